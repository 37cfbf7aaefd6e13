package dev.pedregal.gateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.config.RedisClientOptions;
import dev.pedregal.gateway.placement.DriverPools;
import dev.pedregal.gateway.placement.PoolKey;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/**
 * Chooses where bindings live ({@code pedregal.sessions.store}). The Redis store gets a client of its own on
 * the {@code quarkus.redis.*} settings (standalone or {@code client-type=cluster}: every key of a team shares the
 * team's hash tag, so each command touches one slot), with a larger pool for the session path; it is created
 * only when it is chosen, so a single-replica gateway needs no Redis.
 */
@ApplicationScoped
public class SessionStores {

    private final GatewayConfig config;
    private final Vertx vertx;
    private final RedisClientOptions quarkusRedis;
    private final String redisHosts;
    private volatile Redis redis;

    public SessionStores(GatewayConfig config, Vertx vertx, RedisClientOptions quarkusRedis,
            @ConfigProperty(name = "quarkus.redis.hosts", defaultValue = "redis://127.0.0.1:6379") String redisHosts) {
        this.config = config;
        this.vertx = vertx;
        this.quarkusRedis = quarkusRedis;
        this.redisHosts = redisHosts;
    }

    /** True when bindings (and the pools' driver registry) are shared through Redis. */
    public boolean shared() {
        return config.sessions().store() == GatewayConfig.Sessions.Store.REDIS;
    }

    /** The client of the shared store; created on first use. */
    public synchronized Redis redis() {
        if (redis == null) {
            // Quarkus builds its client's options at start; the first host alone should it have built none.
            RedisOptions options = quarkusRedis.copy()
                    .orElseGet(() -> new RedisOptions().setConnectionString(redisHosts.split(",")[0].trim()));
            redis = Redis.createClient(vertx, options.setPoolName("pedregal-sessions").setMaxPoolSize(16).setMaxPoolWaiting(4096));
        }
        return redis;
    }

    @Produces
    @Singleton
    SessionDirectory directory(DriverPools pools) {
        GatewayConfig.Connect connect = config.connect();
        if (!shared()) {
            return new InMemorySessionDirectory(connect.lostSessionMemory());
        }
        return new RedisSessionDirectory(redis(), locator(pools), new RedisSessionDirectory.Settings(
                connect.sessionIdleTimeout(), connect.lostSessionMemory(), config.sessions().redisTimeout(),
                config.sessions().retryAfter()));
    }

    private static DriverLocator locator(DriverPools pools) {
        return new DriverLocator() {
            @Override
            public String endpointOf(String driverId) {
                return pools.endpointOf(driverId);
            }

            @Override
            public void reach(PoolKey pool, String driverId, String endpoint) {
                pools.reach(pool, driverId, endpoint);
            }
        };
    }
}
