package dev.pedregal.gateway.capacity;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.pedregal.gateway.config.GatewayConfig;
import io.vertx.mutiny.redis.client.Redis;

/**
 * The calendar's pieces as beans, over the Quarkus Redis client ({@code quarkus.redis.*}) and the ledger's pool
 * capacities and reservation source. Nothing talks to Redis until first used; the functions library is loaded
 * by the first call that misses it.
 */
@ApplicationScoped
public class CapacityBeans {

    @Produces
    @Singleton
    CapacityFunctions functions(Redis redis, GatewayConfig config) {
        return new CapacityFunctions(redis, config.capacity());
    }

    @Produces
    @Singleton
    CapacityCalendar calendar(Redis redis, CapacityFunctions functions, GatewayConfig config, PoolCapacities capacities,
            ReservationSource source) {
        return new CapacityCalendar(redis, functions, config.capacity(), capacities, source);
    }

    @Produces
    @Singleton
    RateLimiter rateLimiter(CapacityFunctions functions) {
        return new RateLimiter(functions);
    }
}
