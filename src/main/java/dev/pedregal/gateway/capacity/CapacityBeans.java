package dev.pedregal.gateway.capacity;

import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.pedregal.gateway.config.GatewayConfig;
import io.vertx.mutiny.redis.client.Redis;

/**
 * The capacity engine's objects as beans, on the Quarkus Redis client ({@code quarkus.redis.*}, standalone or
 * cluster). Nothing connects until the first call, so a gateway with the calendar turned off never needs Redis.
 */
public class CapacityBeans {

    @Produces
    @Singleton
    CapacityFunctions functions(Redis redis, GatewayConfig config) {
        return new CapacityFunctions(redis, config.capacity());
    }

    @Produces
    @Singleton
    CapacityCalendar calendar(Redis redis, CapacityFunctions functions, GatewayConfig config, PoolCapacities pools,
            Instance<ReservationSource> source) {
        return new CapacityCalendar(redis, functions, config.capacity(), pools,
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
