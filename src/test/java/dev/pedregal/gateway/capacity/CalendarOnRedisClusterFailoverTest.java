package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.support.RedisClusterFixture;
import dev.pedregal.gateway.support.RedisServer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

/**
 * The calendar on a Redis Cluster that loses a primary (a real cluster on loopback, cluster-node-timeout 1 s):
 * while the primary is gone its pools fail closed and the others keep booking; once its replica is promoted its
 * pools book again, with the library the replica already had and every booking counted exactly once. Without a
 * replica, the library loads and the pools rebuild on the primaries that answer, and the primary that comes back
 * (empty) gets both at its first call.
 */
class CalendarOnRedisClusterFailoverTest {

    static final Duration WAIT = CalendarFixture.WAIT;
    static final Duration NODE_TIMEOUT = Duration.ofMillis(1_000);
    static final Resources POOL = new Resources(1_000_000, 1_000_000);
    static final Resources SIZE = new Resources(1_000, 512);
    // A slice boundary an hour from now: every reservation here takes that one slice.
    static final Instant T0 = Slice.of(Instant.now()).start().plus(Duration.ofHours(1));

    @Test
    void aKilledPrimaryFailsOnlyItsPoolsClosedUntilItsReplicaTakesOverAndNoBookingIsLostOrCountedTwice() throws Exception {
        try (RedisClusterFixture cluster = RedisClusterFixture.startWithReplicas(NODE_TIMEOUT, 17041, 17042, 17043, 17044, 17045, 17046)) {
            ClusterCalendar on = new ClusterCalendar(cluster, POOL, TestConfig.defaults(), null);
            CapacityCalendar calendar = on.calendar;
            calendar.start().onFailure(CapacityUnavailable.class).retry().atMost(5).await().atMost(WAIT);
            calendar.rebuild(List.of()).await().atMost(WAIT);
            awaitReplicated(cluster);
            for (RedisServer node : cluster.cluster.nodes()) {
                assertTrue(hasLibrary(cluster, node), "the library on " + node.url() + ", replicas included (replicated)");
            }
            // The session store's kind of client: the Vert.x cluster client, on the slot map it read before the kill.
            Redis vertxClusterClient = Redis.createClient(cluster.vertx, cluster.clientOptions());

            Map<String, List<Reservation>> booked = new HashMap<>();
            for (String pool : on.pools) {
                for (int i = 0; i < 3; i++) {
                    book(calendar, booked, reservation(pool, "before-" + i));
                }
            }
            // Replication is asynchronous: a booking acknowledged but not yet on the replica would be lost with the
            // primary (see docs/capacity.md). Here every one of them has reached the replica.
            awaitReplicated(cluster);

            int victim = 1;
            String lost = on.pools.get(victim);
            RedisServer replica = cluster.replicaOf(victim);
            long loads = on.functions.loads();
            cluster.cluster.primaries().get(victim).kill();

            // Until the replica is promoted: the lost pool fails closed, every call on the others is granted.
            List<Reservation> refused = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (int n = 0; ; n++) {
                for (String pool : on.pools) {
                    if (!pool.equals(lost)) {
                        book(calendar, booked, reservation(pool, "during-" + n));
                    }
                }
                Reservation attempt = reservation(lost, "during-" + n);
                try {
                    book(calendar, booked, attempt);
                    break;
                } catch (CapacityUnavailable unavailable) {
                    refused.add(attempt);
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("the lost pool never booked again; refused " + refused.size() + " times");
                }
                Thread.sleep(50);
            }
            assertFalse(refused.isEmpty(), "the lost pool failed closed while its primary was gone");
            assertEquals("master", cluster.role(replica), "it books again because the replica took over");
            assertEquals(loads, on.functions.loads(), "no reload: the promoted replica had the library");

            // Nothing of a refused call was booked: each books now, once. A booking made before the kill is known.
            for (Reservation r : refused) {
                assertEquals(new Admission.Granted(r, ReservationState.COMMITTED, false), calendar.reserve(r).await().atMost(WAIT));
                booked.get(lost).add(r);
            }
            Reservation before = booked.get(lost).get(0);
            assertEquals(new Admission.Granted(before, ReservationState.COMMITTED, true), calendar.reserve(before).await().atMost(WAIT),
                    "a retry of a booking made before the kill books nothing");
            for (String pool : on.pools) {
                long count = booked.get(pool).size();
                assertEquals(new Resources(count * SIZE.vcpuMillis(), count * SIZE.memoryMib()), usedAtT0(calendar, pool),
                        pool + ": exactly the " + count + " bookings granted");
            }

            // The Vert.x cluster client finds the promoted primary by itself (it re-reads its slot map).
            String readyKey = CalendarKeys.ready(lost);
            Uni.createFrom().deferred(() -> vertxClusterClient.send(Request.cmd(Command.EXISTS).arg(readyKey)))
                    .onFailure().retry().withBackOff(Duration.ofMillis(100)).expireIn(WAIT.toMillis())
                    .invoke(exists -> assertEquals(1, exists.toInteger()))
                    .await().atMost(WAIT);
        }
    }

    @Test
    void withAPrimaryDownTheOthersLoadAndRebuildAndTheRestartedPrimaryGetsTheLibraryAndItsPoolAtItsFirstCall() throws Exception {
        try (RedisClusterFixture cluster = RedisClusterFixture.start(NODE_TIMEOUT, 17051, 17052, 17053)) {
            List<Reservation> ledger = new ArrayList<>();
            ClusterCalendar on = new ClusterCalendar(cluster, POOL, TestConfig.defaults(),
                    () -> Uni.createFrom().item(List.copyOf(ledger)));
            CapacityCalendar calendar = on.calendar;
            Map<String, List<Reservation>> booked = new HashMap<>();
            for (String pool : on.pools) {
                Reservation r = reservation(pool, "ledger");
                ledger.add(r);
                booked.computeIfAbsent(pool, p -> new ArrayList<>()).add(r);
            }
            int victim = 1;
            String lost = on.pools.get(victim);
            RedisServer dead = cluster.cluster.primaries().get(victim);
            dead.kill();

            // A gateway starting now: the library goes where it can, and start-up goes on.
            LibraryReport report = on.functions.load().await().atMost(WAIT);
            assertEquals(2, report.held().size(), report.toString());
            assertEquals(List.of("127.0.0.1:" + dead.port()), report.failed().stream().map(LibraryReport.Failed::primary).toList());
            CapacityUnavailable notRebuilt = assertThrows(CapacityUnavailable.class,
                    () -> calendar.rebuild(ledger).await().atMost(WAIT));
            assertTrue(notRebuilt.getMessage().contains(lost), notRebuilt.getMessage());
            for (String pool : on.pools) {
                if (!pool.equals(lost)) {
                    book(calendar, booked, reservation(pool, "while-down"));
                }
            }
            assertThrows(CapacityUnavailable.class, () -> calendar.reserve(reservation(lost, "while-down")).await().atMost(WAIT));

            // Back, empty (no persistence): its first calls reload the library, then rebuild its pool from the ledger.
            long loads = on.functions.loads();
            dead.rejoin();
            Reservation after = reservation(lost, "after");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try {
                    book(calendar, booked, after);
                    break;
                } catch (CapacityUnavailable rejoiningOrRebuilding) {
                    if (System.nanoTime() > deadline) {
                        throw rejoiningOrRebuilding;
                    }
                    Thread.sleep(100);
                }
            }
            assertTrue(on.functions.loads() > loads, "the library was loaded again, at the call that missed it");
            assertTrue(hasLibrary(cluster, dead));
            for (String pool : on.pools) {
                long count = booked.get(pool).size();
                assertEquals(new Resources(count * SIZE.vcpuMillis(), count * SIZE.memoryMib()), usedAtT0(calendar, pool),
                        pool + ": its ledger reservation, restored once, and what was booked since");
            }
        }
    }

    /** Until every primary's writes so far are on its replica (WAIT). */
    /**
     * Waits until every replica has applied all its primary has written so far (its replication offset reached
     * the primary's). Not {@code WAIT}: that covers only the writes of the connection it is sent on.
     */
    private static void awaitReplicated(RedisClusterFixture cluster) throws InterruptedException {
        List<RedisServer> primaries = cluster.cluster.primaries();
        for (int i = 0; i < primaries.size(); i++) {
            long written = replicationOffset(cluster, primaries.get(i), "master_repl_offset");
            RedisServer replica = cluster.replicaOf(i);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (replicationOffset(cluster, replica, "slave_repl_offset") < written) {
                assertTrue(System.nanoTime() < deadline, "primary " + i + "'s writes reach its replica " + replica.url());
                Thread.sleep(20);
            }
        }
    }

    private static long replicationOffset(RedisClusterFixture cluster, RedisServer node, String field) {
        for (String line : cluster.send(node, Request.cmd(Command.INFO).arg("replication")).toString().split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim());
            }
        }
        return -1; // not (yet) replicating
    }

    private static Reservation reservation(String pool, String id) {
        return new Reservation(id, "t1", pool, SIZE, T0, T0.plus(Duration.ofMinutes(15)));
    }

    /** Reserves, which must be granted as a new booking, and records it; CapacityUnavailable passes through. */
    private static void book(CapacityCalendar calendar, Map<String, List<Reservation>> booked, Reservation r) {
        Admission admission = calendar.reserve(r).await().atMost(WAIT);
        assertEquals(new Admission.Granted(r, ReservationState.COMMITTED, false), assertInstanceOf(Admission.Granted.class, admission));
        booked.computeIfAbsent(r.pool(), p -> new ArrayList<>()).add(r);
    }

    private static Resources usedAtT0(CapacityCalendar calendar, String pool) {
        List<SliceUsage> cells = calendar.slices(pool, T0, T0.plus(Duration.ofMinutes(15))).await().atMost(WAIT);
        assertEquals(1, cells.size());
        return cells.get(0).used();
    }

    private static boolean hasLibrary(RedisClusterFixture cluster, RedisServer node) {
        return cluster.send(node, Request.cmd(Command.FUNCTION).arg("LIST").arg("LIBRARYNAME").arg("pedregal_capacity")).size() == 1;
    }
}
