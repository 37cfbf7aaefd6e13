package dev.pedregal.gateway.capacity;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.config.RedisClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;

/**
 * The capacity engine's objects as beans, on the Quarkus Redis client ({@code quarkus.redis.*}, standalone or
 * cluster). Nothing connects until the first call, so a gateway with the calendar turned off never needs Redis.
 */
public class CapacityBeans {

    @Produces
    @Singleton
    CapacityFunctions functions(Primaries primaries, GatewayConfig config) {
        return new CapacityFunctions(primaries, config.capacity());
    }

    /**
     * Where the calendar's commands go: with {@code quarkus.redis.client-type=cluster}, the primary of each
     * command's slot, through a client of its own per primary on the same options ({@link ClusterPrimaries}:
     * the Vert.x cluster client fails every call while any one primary is down); else the Quarkus client's server.
     */
    @Produces
    @Singleton
    Primaries primaries(Redis redis, RedisClientOptions options, Vertx vertx, GatewayConfig config) {
        return options.cluster()
                ? Primaries.cluster(vertx, options.copy().orElseThrow(), config.capacity().redisTimeout())
                : Primaries.single(redis);
    }

    void close(@Disposes Primaries primaries) {
        primaries.close();
    }

    @Produces
    @Singleton
    CapacityCalendar calendar(CapacityFunctions functions, GatewayConfig config, PoolCapacities pools,
            Instance<ReservationSource> source) {
        return new CapacityCalendar(functions, config.capacity(), pools,
                // Without a source of truth (no database), a Redis that lost its data comes back empty but ready.
                source.isResolvable() ? source.get() : () -> io.smallrye.mutiny.Uni.createFrom().item(java.util.List.of()));
    }

    @Produces
    @Singleton
    RateLimiter rateLimiter(CapacityFunctions functions) {
        return new RateLimiter(functions);
    }

    @Produces
    @Singleton
    HoldSweeper sweeper(CapacityCalendar calendar, PoolCapacities pools, GatewayConfig config) {
        return new HoldSweeper(calendar, pools, config.capacity());
    }
}
