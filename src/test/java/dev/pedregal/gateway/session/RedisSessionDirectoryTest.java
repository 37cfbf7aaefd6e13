package dev.pedregal.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.placement.PoolKey;
import dev.pedregal.gateway.support.RedisServer;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisOptions;

/**
 * Two "replicas" (two directories, each with its own Redis client and drivers) on one real Redis: they agree
 * on one binding per session, see each other's operations and losses, keep TTLs fresh, and behave as the
 * reliability matrix asks when Redis goes away (bound sessions route from cache, new ones fail closed).
 */
class RedisSessionDirectoryTest {

    static final int PORT = 27401;
    static final PoolKey ANALYTICS = new PoolKey("analytics", "dev");
    static final Duration WAIT = Duration.ofSeconds(5);

    static RedisServer server;
    static Vertx vertx;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start(PORT);
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopRedis() {
        if (vertx != null) {
            vertx.closeAndAwait();
        }
        if (server != null) {
            server.close();
        }
    }

    /** One gateway replica: a directory, the drivers it started, the peers it was asked to reach. */
    static final class Replica {
        final String name;
        final Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.url()));
        final Map<String, String> reached = new ConcurrentHashMap<>();
        final List<String> discarded = new CopyOnWriteArrayList<>();
        final AtomicInteger placements = new AtomicInteger();
        final RedisSessionDirectory directory;

        Replica(String name, Duration idle) {
            this.name = name;
            directory = new RedisSessionDirectory(redis, new DriverLocator() {
                @Override
                public String endpointOf(String driverId) {
                    return driverId.startsWith(name + "-") ? "127.0.0.1:" + (20000 + name.charAt(0)) : null;
                }

                @Override
                public void reach(PoolKey pool, String driverId, String endpoint) {
                    reached.put(driverId, endpoint);
                }
            }, new RedisSessionDirectory.Settings(idle, Duration.ofMinutes(10), Duration.ofMillis(500),
                    Duration.ofSeconds(2)));
            directory.onPlacementDiscarded(b -> discarded.add(b.driverId()));
        }

        Uni<String> place() {
            return Uni.createFrom().item(() -> name + "-" + placements.incrementAndGet());
        }

        SessionBinding bind(SessionKey key) {
            return directory.bind(key, this::place).await().atMost(WAIT);
        }
    }

    static SessionKey newSession(String user) {
        return new SessionKey(ANALYTICS, user, UUID.randomUUID().toString());
    }

    @Test
    void twoReplicasRacingToBindOneSessionEndWithOneBindingAndTheLoserHandsItsPlacementBack() throws Exception {
        Replica a = new Replica("a", Duration.ofHours(1));
        Replica b = new Replica("b", Duration.ofHours(1));
        for (int round = 0; round < 5; round++) {
            SessionKey key = newSession("alice");
            CountDownLatch bothPlaced = new CountDownLatch(2);
            // Each replica's placement completes only once both have placed: both then race with SET NX.
            Uni<SessionBinding> boundOnA = a.directory.bind(key, () -> racing(a, bothPlaced));
            Uni<SessionBinding> boundOnB = b.directory.bind(key, () -> racing(b, bothPlaced));
            var fromA = boundOnA.subscribeAsCompletionStage();
            var fromB = boundOnB.subscribeAsCompletionStage();
            SessionBinding onA = fromA.get(5, TimeUnit.SECONDS);
            SessionBinding onB = fromB.get(5, TimeUnit.SECONDS);

            assertEquals(onA.driverId(), onB.driverId(), "both replicas route the session to one driver");
            Replica winner = onA.driverId().startsWith("a-") ? a : b;
            Replica loser = winner == a ? b : a;
            assertEquals(List.of(), winner.discarded);
            assertEquals(List.of(loser.name + "-" + loser.placements.get()), loser.discarded,
                    "the loser handed its own placement back");
            assertTrue(loser.reached.containsKey(onA.driverId()), "the loser can reach the winner's driver");
            assertTrue(winner == a ? onA.placedHere() && !onB.placedHere() : onB.placedHere() && !onA.placedHere());
            a.discarded.clear();
            b.discarded.clear();
        }
    }

    private static Uni<String> racing(Replica r, CountDownLatch bothPlaced) {
        bothPlaced.countDown();
        return Uni.createFrom().item(() -> {
            try {
                bothPlaced.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return r.name + "-" + r.placements.incrementAndGet();
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @Test
    void aSessionAndItsOperationsBoundOnOneReplicaAreFoundOnTheOther() {
        Replica a = new Replica("a", Duration.ofHours(1));
        Replica b = new Replica("b", Duration.ofHours(1));
        SessionKey key = newSession("alice");
        SessionBinding onA = a.bind(key);
        a.directory.addOperation(onA, "op-1");

        assertNull(b.directory.find(key), "not cached on B before it is asked");
        SessionBinding onB = b.directory.lookup(key).await().atMost(WAIT);
        assertEquals(onA.driverId(), onB.driverId());
        assertEquals("127.0.0.1:" + (20000 + 'a'), b.reached.get(onA.driverId()), "B reaches A's driver at its endpoint");
        assertSame(onB, b.directory.find(key), "then cached: the next RPC needs no Redis");
        assertEquals(onB, b.bind(key), "an opening RPC on B uses A's binding");
        assertEquals(0, b.placements.get(), "B never placed it");

        eventually(() -> key.equals(b.directory.sessionOfOperation(key, "op-1").await().atMost(WAIT)));
        assertNull(b.directory.sessionOfOperation(new SessionKey(ANALYTICS, "bob", key.sessionId()), "op-1")
                .await().atMost(WAIT), "another user never sees the operation");
        assertNull(b.directory.lookup(newSession("alice")).await().atMost(WAIT), "an unknown session is bound nowhere");
    }

    @Test
    void aDriverLostOnOneReplicaLeavesATombstoneTheOtherReplicaReads() {
        Replica a = new Replica("a", Duration.ofHours(1));
        Replica b = new Replica("b", Duration.ofHours(1));
        SessionKey key = newSession("alice");
        SessionBinding onA = a.bind(key);
        assertEquals(1, a.directory.driverLost(onA.driverId(), "its process ended").size());
        eventually(() -> {
            SessionBinding seen = b.directory.lookup(key).await().atMost(WAIT);
            return seen != null && seen.lost();
        });
        assertEquals("its process ended", b.directory.find(key).lostReason());
        assertTrue(b.bind(key).lost(), "an opening RPC on B is told the session was lost, not placed afresh");
        assertEquals(0, b.placements.get());
    }

    @Test
    void bindingsUsedAreRefreshedAtMostEveryQuarterOfTheIdleTimeoutAndExpireWhenIdleEverywhere() throws Exception {
        Duration idle = Duration.ofSeconds(4);
        Replica a = new Replica("a", idle);
        Replica b = new Replica("b", idle);
        SessionKey key = newSession("alice");
        SessionBinding onA = a.bind(key);
        long ttl = pttl(a, key);
        assertTrue(ttl > 0 && ttl <= idle.toMillis(), "the binding lives for the idle timeout: " + ttl);

        onA.touch();
        a.directory.expire(0).await().atMost(WAIT);
        assertTrue(pttl(a, key) <= ttl, "not refreshed before idle/4 has passed");

        Thread.sleep(idle.toMillis() / 4 + 200);
        long before = pttl(a, key);
        a.directory.expire(0).await().atMost(WAIT);
        long after = pttl(a, key);
        assertTrue(after > before + 500, "used since the last refresh: extended (" + before + " -> " + after + ")");

        // Used on B only: B keeps it alive in Redis, and A (which holds the slot) keeps it.
        SessionBinding onB = b.directory.lookup(key).await().atMost(WAIT);
        for (int i = 0; i < 5; i++) {
            Thread.sleep(idle.toMillis() / 4 + 100);
            onB.touch();
            b.directory.expire(0).await().atMost(WAIT);
            assertEquals(List.of(), List.copyOf(a.directory.expire(0).await().atMost(WAIT)));
        }
        assertNotNull(a.directory.find(key), "in use on another replica: still bound");

        // Idle everywhere: Redis lets it go, and A gets its slot back.
        Thread.sleep(idle.toMillis() + 300);
        var expired = a.directory.expire(0).await().atMost(WAIT);
        assertEquals(1, expired.size());
        assertSame(onA, expired.iterator().next());
        assertNull(a.directory.find(key));
        assertTrue(b.directory.expire(0).await().atMost(WAIT).isEmpty(), "B never held the slot: nothing to free");
        assertNull(b.directory.find(key));
    }

    @Test
    void aSessionReleasedOnOneReplicaFreesTheSlotOnTheReplicaThatPlacedIt() throws Exception {
        Duration idle = Duration.ofSeconds(2);
        Replica a = new Replica("a", idle);
        Replica b = new Replica("b", idle);
        SessionKey key = newSession("alice");
        SessionBinding onA = a.bind(key);
        b.directory.lookup(key).await().atMost(WAIT);
        assertNotNull(b.directory.release(key));
        eventually(() -> b.directory.lookup(key).await().atMost(WAIT) == null);
        Thread.sleep(idle.toMillis() / 4 + 100);
        assertEquals(List.of(onA), List.copyOf(a.directory.expire(0).await().atMost(WAIT)));
        assertNull(a.directory.find(key));
    }

    @Test
    void whileRedisIsDownBoundSessionsRouteFromCacheAndNewSessionsFailClosedThenRecover() throws Exception {
        Replica a = new Replica("a", Duration.ofHours(1));
        Replica b = new Replica("b", Duration.ofHours(1));
        SessionKey bound = newSession("alice");
        SessionBinding onA = a.bind(bound);
        SessionBinding onB = b.directory.lookup(bound).await().atMost(WAIT);
        int placedBefore = a.placements.get();

        server.kill();
        try {
            assertSame(onA, a.directory.find(bound), "A routes its session from its cache");
            assertSame(onB, b.directory.find(bound), "so does B");
            assertSame(onB, b.directory.lookup(bound).await().atMost(WAIT));

            SessionKey fresh = newSession("alice");
            SessionStoreUnavailable refused = assertThrows(SessionStoreUnavailable.class,
                    () -> a.directory.bind(fresh, a::place).await().atMost(WAIT));
            assertTrue(refused.getMessage().contains("session store is unavailable"), refused.getMessage());
            assertEquals(Duration.ofSeconds(2), refused.retryAfter());
            assertEquals(placedBefore, a.placements.get(), "nothing placed on a guess");
            assertNull(a.directory.find(fresh), "and nothing left behind");
            assertThrows(SessionStoreUnavailable.class, () -> b.directory.lookup(fresh).await().atMost(WAIT),
                    "a session this replica does not hold is not reported unknown while Redis cannot say");
            a.directory.expire(0).await().atMost(WAIT);
            assertSame(onA, a.directory.find(bound), "a sweep that cannot reach Redis drops nothing");
        } finally {
            server.restart();
        }

        // Redis is back (empty): new sessions bind again, and the session still in use is claimed again.
        SessionKey fresh = newSession("alice");
        eventually(() -> {
            try {
                return a.bind(fresh) != null;
            } catch (SessionStoreUnavailable e) {
                return false;
            }
        });
        assertEquals(a.directory.find(fresh).driverId(), b.directory.lookup(fresh).await().atMost(WAIT).driverId());
    }

    @Test
    void afterRedisRestartsEmptyASessionStillInUseIsClaimedAgainByItsReplicaAndAnIdleOneIsForgotten() throws Exception {
        Duration idle = Duration.ofSeconds(4);
        Replica a = new Replica("a", idle);
        Replica b = new Replica("b", idle);
        SessionKey inUse = newSession("alice");
        SessionKey idleOne = newSession("bob");
        SessionBinding inUseOnA = a.bind(inUse);
        SessionBinding idleOnA = a.bind(idleOne);

        server.kill();
        server.restart();
        Thread.sleep(idle.toMillis() / 4 + 200);
        inUseOnA.touch();
        List<SessionBinding> freed = new ArrayList<>();
        // The first sweeps may still meet the connection Redis dropped: they drop nothing, and a later one decides.
        eventually(() -> {
            inUseOnA.touch();
            freed.addAll(a.directory.expire(0).await().atMost(WAIT));
            return !freed.isEmpty();
        });

        assertEquals(List.of(idleOnA), freed, "the idle session is forgotten and A gets its driver slot back");
        assertNull(a.directory.find(idleOne));
        assertSame(inUseOnA, a.directory.find(inUse), "the session in use stays bound on A");
        SessionBinding seenByB = b.directory.lookup(inUse).await().atMost(WAIT);
        assertNotNull(seenByB, "A claimed it again in Redis");
        assertEquals(inUseOnA.driverId(), seenByB.driverId(), "so B routes it to the same driver");
        assertNull(b.directory.lookup(idleOne).await().atMost(WAIT), "the idle one is bound nowhere");
        assertEquals(0, b.placements.get(), "B never placed anything");
    }

    private static long pttl(Replica r, SessionKey key) {
        Response ttl = r.redis.send(Request.cmd(Command.PTTL).arg(SessionKeys.session(key))).await().atMost(WAIT);
        return ttl.toLong();
    }

    private static void eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertFalse(true, "condition not met within 10 s");
    }
}
