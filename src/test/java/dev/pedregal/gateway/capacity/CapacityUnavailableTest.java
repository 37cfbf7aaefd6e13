package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/** Without a working Redis, calls fail closed — fast, typed, with a retry hint — instead of hanging or admitting. */
class CapacityUnavailableTest {

    static final PoolCapacities POOLS = new PoolCapacities() {
        @Override
        public Optional<PoolCapacity> find(String pool) {
            return Optional.of(PoolCapacity.of(pool, new Resources(1_000, 1_000)));
        }

        @Override
        public java.util.Collection<String> pools() {
            return List.of("p");
        }
    };

    static final Reservation R = new Reservation("r1", "t", "p", new Resources(100, 100), Instant.now(), Instant.now().plusSeconds(600));

    @Test
    void nothingListeningFailsClosed() {
        assertUnavailable(26399);
    }

    @Test
    void aRedisThatNeverAnswersTimesOut() throws IOException {
        // Accepts connections and reads nothing: every command would wait forever without the bound.
        try (ServerSocket silent = new ServerSocket(26398, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            acceptor.start();
            long started = System.nanoTime();
            assertUnavailable(26398);
            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(5)) < 0, "bounded, not hanging");
        }
    }

    private static void assertUnavailable(int port) {
        Vertx vertx = Vertx.vertx();
        try {
            Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port));
            CapacityConfig config = TestConfig.defaults().withRedisTimeout(Duration.ofMillis(300));
            CapacityFunctions functions = new CapacityFunctions(redis, config);
            CapacityCalendar calendar = new CapacityCalendar(functions, config, POOLS, null);
            CapacityUnavailable e = assertThrows(CapacityUnavailable.class, () -> calendar.hold(R).await().atMost(Duration.ofSeconds(5)));
            assertEquals(Duration.ofSeconds(1), e.retryAfter());
            assertThrows(CapacityUnavailable.class, () -> calendar.release("p", "r1").await().atMost(Duration.ofSeconds(5)));
            assertThrows(CapacityUnavailable.class,
                    () -> new RateLimiter(functions).acquire("team:t", new RateLimit(10, 1)).await().atMost(Duration.ofSeconds(5)));
            assertThrows(CapacityUnavailable.class, () -> calendar.start().await().atMost(Duration.ofSeconds(5)));
            redis.close();
        } finally {
            vertx.closeAndAwait();
        }
    }
}
