package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.pedregal.gateway.support.RedisServer;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.redis.client.RedisOptions;

/**
 * A real Redis (started by the test), a Vert.x Redis client and a calendar on it, without Quarkus. Pools are
 * defined per test with {@link #pool}.
 */
final class CalendarFixture implements AutoCloseable, PoolCapacities {

    static final Duration WAIT = Duration.ofSeconds(10);

    final RedisServer server;
    final Vertx vertx;
    final Redis redis;
    final CapacityFunctions functions;
    final CapacityCalendar calendar;
    private final Map<String, PoolCapacity> pools = new ConcurrentHashMap<>();

    CalendarFixture(int port, CapacityConfig config, ReservationSource source) {
        server = RedisServer.start(port);
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.url())
                .setMaxPoolSize(16).setMaxPoolWaiting(4096).setMaxWaitingHandlers(65_536));
        functions = new CapacityFunctions(redis, config);
        calendar = new CapacityCalendar(functions, config, this, source);
        try {
            // A cold JVM's first connection can exceed the 500 ms bound on a busy machine: retry, as a gateway would.
            calendar.start().onFailure(CapacityUnavailable.class).retry().atMost(5).await().atMost(WAIT);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    CalendarFixture(int port) {
        this(port, TestConfig.defaults(), null);
    }

    PoolCapacity pool(PoolCapacity capacity) {
        pools.put(capacity.pool(), capacity);
        return capacity;
    }

    /** Empties Redis (keeps the library) and marks the defined pools ready, as a rebuild from an empty source would. */
    void reset() {
        command(Request.cmd(Command.FLUSHALL));
        calendar.rebuild(List.of()).await().atMost(WAIT);
    }

    Response command(Request request) {
        return redis.send(request).await().atMost(WAIT);
    }

    @Override
    public Optional<PoolCapacity> find(String pool) {
        return Optional.ofNullable(pools.get(pool));
    }

    @Override
    public Collection<String> pools() {
        return List.copyOf(pools.keySet());
    }

    @Override
    public void close() {
        try {
            redis.close();
            vertx.closeAndAwait();
        } finally {
            server.close();
        }
    }
}
