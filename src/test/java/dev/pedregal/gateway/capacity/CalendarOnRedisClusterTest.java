package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.support.RedisClusterNodes;
import dev.pedregal.gateway.support.RedisClusterFixture;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.redis.client.RedisOptions;

/**
 * The calendar and the rate limiter on a real Redis Cluster of three primaries: the Functions library is on every
 * primary, pools whose hash tags land on different primaries book, deny and release there (slice keys built
 * inside the functions from ARGV share the pool's slot, which the cluster accepts), a primary that lost the
 * library gets it back on the next call, and rate limits hold on every primary.
 */
class CalendarOnRedisClusterTest {

    static final int[] PORTS = {17001, 17002, 17003};
    static final Duration WAIT = CalendarFixture.WAIT;
    static final Resources POOL = new Resources(4_000, 8_192);
    // A slice boundary an hour from now, so every slice used is in the future.
    static final Instant T0 = Slice.of(Instant.now()).start().plus(Duration.ofHours(1));

    static RedisClusterFixture cluster;
    static RedisClusterNodes nodes;
    static CapacityFunctions functions;
    static CapacityCalendar calendar;
    static RateLimiter limiter;
    /** poolOnNode.get(i) is a pool whose keys live on primary i. */
    static List<String> poolOnNode;

    @BeforeAll
    static void start() {
        cluster = RedisClusterFixture.start(PORTS);
        nodes = cluster.nodes;
        ClusterCalendar on = new ClusterCalendar(cluster, POOL, TestConfig.defaults(), null);
        poolOnNode = on.pools;
        functions = on.functions;
        calendar = on.calendar;
        limiter = new RateLimiter(functions);
        calendar.start().onFailure(CapacityUnavailable.class).retry().atMost(5).await().atMost(WAIT);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Every primary empty (FLUSHALL keeps functions), the pools marked ready. */
    @BeforeEach
    void empty() {
        IntStream.range(0, nodes.size()).forEach(i -> nodes.send(i, Request.cmd(Command.FLUSHALL)));
        calendar.rebuild(List.of()).await().atMost(WAIT);
    }

    @Test
    void theLibraryIsOnEveryPrimaryAfterStart() {
        assertEquals(PORTS.length, nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            assertTrue(hasLibrary(i), "pedregal_capacity on primary " + PORTS[i]);
        }
    }

    @Test
    void poolsOnEveryPrimaryHoldCommitExtendReleaseAndDeny() throws InterruptedException {
        for (int i = 0; i < nodes.size(); i++) {
            String pool = poolOnNode.get(i);
            Reservation a = new Reservation("a", "t1", pool, new Resources(3_000, 1_024), T0, T0.plus(Duration.ofHours(1)));
            Reservation b = new Reservation("b", "t2", pool, new Resources(2_000, 1_024), T0, T0.plus(Duration.ofMinutes(30)));

            assertEquals(new Admission.Granted(a, ReservationState.HELD, false), hold(a), pool);
            Admission.Denied denied = assertInstanceOf(Admission.Denied.class, hold(b), pool);
            assertEquals(Shortfall.Limit.POOL, denied.shortfall().limit());
            assertEquals(ReservationState.COMMITTED, calendar.commit(pool, "a").await().atMost(WAIT));
            Instant later = T0.plus(Duration.ofHours(2));
            Admission extended = calendar.extend(a, later).await().atMost(WAIT);
            assertEquals(new Admission.Granted(a.withEnd(later), ReservationState.COMMITTED, false), extended);
            List<SliceUsage> cells = calendar.slices(pool, T0, later).await().atMost(WAIT);
            assertEquals(8, cells.size());
            assertTrue(cells.stream().allMatch(c -> c.used().vcpuMillis() == 3_000), pool + ": " + cells);

            // The slice keys the function built from its ARGV prefix are on this primary, in the pool's slot.
            String firstSlice = CalendarKeys.slicePrefix(pool) + Slice.of(T0).index();
            assertEquals("3000", nodes.send(i, Request.cmd(Command.HGET).arg(firstSlice).arg("c")).toString(),
                    "slice " + firstSlice + " on primary " + PORTS[i]);
            assertEquals(nodes.slot(CalendarKeys.ready(pool)), nodes.slot(firstSlice));

            // The sweeper reaches undeclared reservation keys the same way.
            Reservation shortHold = new Reservation("c", "t3", pool, new Resources(500, 512),
                    T0.plus(Duration.ofHours(3)), T0.plus(Duration.ofHours(4)));
            assertTrue(calendar.hold(shortHold, Duration.ofMillis(1)).await().atMost(WAIT).granted());
            Thread.sleep(20);
            assertEquals(1, calendar.sweep(pool).await().atMost(WAIT));

            assertEquals(ReservationState.RELEASED, calendar.release(pool, "a").await().atMost(WAIT));
            assertTrue(hold(b).granted(), pool + ": room again once a is released");
            assertEquals(ReservationState.RELEASED, calendar.release(pool, "b").await().atMost(WAIT));
            assertTrue(calendar.slices(pool, T0, later).await().atMost(WAIT).stream().allMatch(c -> c.used().isZero()));
        }
    }

    @Test
    void aPrimaryThatLostTheLibraryGetsItBackOnTheNextCallAndSoDoesEveryOther() {
        int victim = 1;
        String pool = poolOnNode.get(victim);
        nodes.send(victim, Request.cmd(Command.FUNCTION).arg("FLUSH"));
        assertFalse(hasLibrary(victim), "FUNCTION FLUSH emptied primary " + PORTS[victim]);
        long loads = functions.loads();

        Reservation r = new Reservation("after-flush", "t1", pool, new Resources(1_000, 1_024), T0, T0.plus(Duration.ofHours(1)));
        assertTrue(hold(r).granted(), "the call met 'Function not found', reloaded and was retried");
        assertEquals(loads + 1, functions.loads());
        for (int i = 0; i < nodes.size(); i++) {
            assertTrue(hasLibrary(i), "pedregal_capacity back on primary " + PORTS[i]);
        }

        // Concurrent callers on a primary that lost it again all succeed.
        nodes.send(victim, Request.cmd(Command.FUNCTION).arg("FLUSH"));
        List<Uni<Admission>> holds = IntStream.range(0, 16)
                .mapToObj(n -> calendar.hold(new Reservation("burst-" + n, "t1", pool, new Resources(100, 64), T0,
                        T0.plus(Duration.ofMinutes(15)))))
                .toList();
        List<Admission> admitted = Uni.join().all(holds).andFailFast().await().atMost(WAIT);
        assertTrue(admitted.stream().allMatch(Admission::granted), admitted.toString());
        assertTrue(functions.loads() > loads + 1, "reloaded after the second flush");
        for (int i = 0; i < nodes.size(); i++) {
            assertTrue(hasLibrary(i), "pedregal_capacity on primary " + PORTS[i]);
        }
    }

    @Test
    void rateLimitsHoldOnEveryPrimary() {
        List<String> keys = nodes.onEachNode(n -> "team:" + n, CalendarKeys::rate);
        RateLimit limit = new RateLimit(60, 2);
        for (int i = 0; i < nodes.size(); i++) {
            String key = keys.get(i);
            assertTrue(acquire(key, limit).allowed(), key);
            assertTrue(acquire(key, limit).allowed(), key);
            RateDecision denied = acquire(key, limit);
            assertFalse(denied.allowed(), key + ": the burst of two is spent");
            assertTrue(denied.retryAfter().compareTo(Duration.ZERO) > 0, key);
            assertEquals(1, nodes.send(i, Request.cmd(Command.EXISTS).arg(CalendarKeys.rate(key))).toInteger(),
                    key + " on primary " + PORTS[i]);
        }
    }

    @Test
    void keysMapToTheSlotsTheClusterComputes() {
        List<String> keys = List.of(CalendarKeys.ready("pool-1"), CalendarKeys.rate("team:analytics"), "123456789", "{}x",
                "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{", "}{", "é{ü}", "pedregal:{team-7}:session:dev/x:alice:s");
        for (String key : keys) {
            assertEquals(nodes.slot(key), KeySlot.of(key), key);
        }
    }

    @Test
    void aPoolWhoseSlotMovedToAnotherPrimaryIsFollowedThere() {
        String pool = poolOnNode.get(0);
        int slot = (int) nodes.slot(CalendarKeys.ready(pool));
        IntStream.range(0, nodes.size()).forEach(i -> nodes.send(i, Request.cmd(Command.FLUSHALL)));
        try {
            // The pool's (now empty) slot handed from primary 0 to primary 2, as a resharding ends: the calendar
            // still sends there first, is answered MOVED, and follows.
            assignSlot(slot, 2);
            Reservation r = new Reservation("moved", "t1", pool, new Resources(1_000, 1_024), T0, T0.plus(Duration.ofHours(1)));
            calendar.rebuild(List.of()).await().atMost(WAIT);
            assertTrue(hold(r).granted());
            assertEquals(1, nodes.send(2, Request.cmd(Command.EXISTS).arg(CalendarKeys.reservation(pool, "moved"))).toInteger(),
                    "booked on the primary that serves the slot now");
            assertEquals(ReservationState.RELEASED, calendar.release(pool, "moved").await().atMost(WAIT));
        } finally {
            IntStream.range(0, nodes.size()).forEach(i -> nodes.send(i, Request.cmd(Command.FLUSHALL)));
            assignSlot(slot, 0);
            calendar.rebuild(List.of()).await().atMost(WAIT);
        }
    }

    @Test
    void aConfiguredNodeThatNeverAnswersHoldsUpNeitherTheSlotMapNorTheLoad() throws IOException {
        // Accepts connections (the kernel's backlog) and answers nothing: a host gone without a reset.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            RedisOptions options = cluster.clientOptions();
            List<String> endpoints = new ArrayList<>(List.of("redis://127.0.0.1:" + silent.getLocalPort()));
            endpoints.addAll(options.getEndpoints());
            try (Primaries primaries = Primaries.cluster(cluster.vertx, options.setEndpoints(endpoints), Duration.ofMillis(500))) {
                LibraryReport report = new CapacityFunctions(primaries, TestConfig.defaults()).load().await().atMost(WAIT);
                assertEquals(PORTS.length, report.held().size(), report.toString());
            }
        }
    }

    /** CLUSTER SETSLOT NODE on every primary, the new owner first (the slot must be empty). */
    private static void assignSlot(int slot, int owner) {
        String id = nodes.send(owner, Request.cmd(Command.CLUSTER).arg("MYID")).toString();
        nodes.send(owner, Request.cmd(Command.CLUSTER).arg("SETSLOT").arg(slot).arg("NODE").arg(id));
        IntStream.range(0, nodes.size()).filter(i -> i != owner)
                .forEach(i -> nodes.send(i, Request.cmd(Command.CLUSTER).arg("SETSLOT").arg(slot).arg("NODE").arg(id)));
    }

    private static Admission hold(Reservation r) {
        return calendar.hold(r).await().atMost(WAIT);
    }

    private static RateDecision acquire(String key, RateLimit limit) {
        return limiter.acquire(key, limit).await().atMost(WAIT);
    }

    private static boolean hasLibrary(int node) {
        return nodes.send(node, Request.cmd(Command.FUNCTION).arg("LIST").arg("LIBRARYNAME").arg("pedregal_capacity")).size() == 1;
    }
}
