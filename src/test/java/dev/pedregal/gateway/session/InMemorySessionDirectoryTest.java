package dev.pedregal.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.placement.PoolKey;
import io.smallrye.mutiny.Uni;

class InMemorySessionDirectoryTest {

    final InMemorySessionDirectory directory = new InMemorySessionDirectory(config(Duration.ofHours(1)));
    static final PoolKey ANALYTICS = new PoolKey("analytics", "dev");
    final SessionKey key = new SessionKey(ANALYTICS, "alice", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    @Test
    void concurrentFirstRpcsOfOneSessionPlaceItOnce() throws Exception {
        AtomicInteger placements = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<SessionBinding>> results = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            results.add(pool.submit(() -> {
                start.await();
                return directory.bind(key, () -> Uni.createFrom().item(() -> "drv-" + placements.incrementAndGet()))
                        .await().atMost(Duration.ofSeconds(5));
            }));
        }
        start.countDown();
        SessionBinding first = results.get(0).get();
        for (Future<SessionBinding> r : results) {
            assertSame(first, r.get());
        }
        pool.shutdown();
        assertEquals(1, placements.get());
        assertEquals("drv-1", first.driverId());
    }

    @Test
    void aFailedPlacementLeavesNoBinding() {
        Uni<SessionBinding> bound = directory.bind(key, () -> Uni.createFrom().failure(new IllegalStateException("full")));
        try {
            bound.await().atMost(Duration.ofSeconds(1));
        } catch (IllegalStateException expected) {
            // the failure reaches the caller
        }
        assertNull(directory.find(key));
        assertEquals("drv-9", directory.bind(key, () -> Uni.createFrom().item("drv-9")).await().indefinitely().driverId());
    }

    @Test
    void operationsAreScopedToTheirUserAndSession() {
        SessionBinding b = directory.bind(key, () -> Uni.createFrom().item("drv-1")).await().indefinitely();
        directory.addOperation(b, "op-1");
        assertEquals(key, directory.sessionOfOperation(key, "op-1"));
        assertNull(directory.sessionOfOperation(new SessionKey(ANALYTICS, "bob", key.sessionId()), "op-1"));
        assertNull(directory.sessionOfOperation(new SessionKey(new PoolKey("marketing", "dev"), "alice", key.sessionId()),
                "op-1"), "another team's pool never sees the operation");
        directory.removeOperation(b, "op-1");
        assertNull(directory.sessionOfOperation(key, "op-1"));
    }

    @Test
    void aLostDriverTurnsItsSessionsIntoTombstones() {
        SessionBinding b = directory.bind(key, () -> Uni.createFrom().item("drv-1")).await().indefinitely();
        SessionKey other = new SessionKey(ANALYTICS, "bob", key.sessionId());
        directory.bind(other, () -> Uni.createFrom().item("drv-2")).await().indefinitely();
        directory.addOperation(b, "op-1");
        assertEquals(1, directory.driverLost("drv-1", "killed").size());
        assertTrue(directory.find(key).lost());
        assertEquals("killed", directory.find(key).lostReason());
        assertNull(directory.sessionOfOperation(key, "op-1"));
        assertTrue(!directory.find(other).lost(), "another user's session on another driver is untouched");
    }

    @Test
    void idleSessionsExpire() {
        directory.bind(key, () -> Uni.createFrom().item("drv-1")).await().indefinitely();
        assertEquals(0, directory.expire(System.currentTimeMillis() - 60_000).size());
        assertEquals(1, directory.expire(System.currentTimeMillis() + 1).size());
        assertNull(directory.find(key));
    }

    static GatewayConfig config(Duration lostMemory) {
        return new GatewayConfig() {
            public Connect connect() {
                return new Connect() {
                    public boolean allowPlaintext() { return false; }
                    public int maxConcurrentStreams() { return 100; }
                    public int maxRstFramesPerWindow() { return 200; }
                    public Duration rstWindow() { return Duration.ofSeconds(10); }
                    public Duration handshakeTimeout() { return Duration.ofSeconds(10); }
                    public Duration driverWait() { return Duration.ofSeconds(1); }
                    public Duration retryAfter() { return Duration.ofSeconds(1); }
                    public Duration drainTimeout() { return Duration.ofSeconds(1); }
                    public Duration sessionIdleTimeout() { return Duration.ofHours(1); }
                    public Duration lostSessionMemory() { return lostMemory; }
                };
            }

            public Pool pool() {
                throw new UnsupportedOperationException();
            }

            public Local local() {
                throw new UnsupportedOperationException();
            }

            public Identity identity() {
                throw new UnsupportedOperationException();
            }

            public java.util.Map<String, Environment> environments() {
                return java.util.Map.of();
            }

            public Provisioning provisioning() {
                throw new UnsupportedOperationException();
            }

            public Capacity capacity() {
                throw new UnsupportedOperationException();
            }
        };
    }

}
