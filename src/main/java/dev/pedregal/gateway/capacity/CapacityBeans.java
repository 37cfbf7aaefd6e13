package dev.pedregal.gateway.capacity;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.config.RedisClientOptions;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;

/**
 * The capacity engine's objects as beans, on the Quarkus Redis client ({@code quarkus.redis.*}, standalone or
 * cluster). Nothing connects until the first call, so a gateway with the calendar turned off never needs Redis.
 */
public class CapacityBeans {

    @Produces
    @Singleton
    CapacityFunctions functions(Redis redis, Primaries primaries, GatewayConfig config) {
        return new CapacityFunctions(redis, primaries, config.capacity());
    }

    /**
     * Where the library is loaded: with {@code quarkus.redis.client-type=cluster}, every primary, through a
     * cluster client of its own on the same options (it only ever sends FUNCTION LOAD); else the one server.
     */
    @Produces
    @Singleton
    Primaries primaries(Redis redis, RedisClientOptions options, Vertx vertx) {
        return options.cluster()
                ? Primaries.cluster(io.vertx.redis.client.Redis.createClient(vertx,
                        options.copy().orElseThrow().setPoolName("pedregal-capacity-primaries")))
                : Primaries.single(redis);
    }

    void close(@Disposes Primaries primaries) {
        primaries.close();
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
