package dev.pedregal.gateway.config;

import java.util.Optional;

import jakarta.inject.Singleton;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.quarkus.redis.runtime.client.config.RedisConfig;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/**
 * The options Quarkus builds for its default Redis client from {@code quarkus.redis.*} (hosts, client type,
 * credentials, TLS...), recorded when Quarkus hands them to its customizers, so the gateway's own Redis clients
 * (the session store's, the capacity library's fan-out to every cluster primary) connect the same way.
 */
@Singleton
public class RedisClientOptions implements RedisOptionsCustomizer {

    private volatile RedisOptions options;

    @Override
    public void customize(String clientName, RedisOptions options) {
        if (RedisConfig.isDefaultClient(clientName)) {
            this.options = options;
        }
    }

    /** A copy of the default client's options, for a client of one's own; empty before Quarkus built them. */
    public Optional<RedisOptions> copy() {
        RedisOptions current = options;
        return current == null ? Optional.empty() : Optional.of(new RedisOptions(current));
    }

    /** True when {@code quarkus.redis.client-type=cluster}. */
    public boolean cluster() {
        RedisOptions current = options;
        return current != null && current.getType() == RedisClientType.CLUSTER;
    }
}
