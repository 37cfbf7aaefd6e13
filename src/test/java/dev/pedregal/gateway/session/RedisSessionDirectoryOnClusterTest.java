package dev.pedregal.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.placement.PoolKey;
import dev.pedregal.gateway.support.RedisClusterNodes;
import dev.pedregal.gateway.support.RedisClusterFixture;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

/**
 * The shared session store on a real Redis Cluster of three primaries: for teams whose hash tags land on
 * different primaries, one replica binds a session and records an operation, another finds both, and a release
 * (one DEL of the session and its operations, all in the team's slot) is seen everywhere.
 */
class RedisSessionDirectoryOnClusterTest {

    static final int[] PORTS = {17011, 17012, 17013};
    static final Duration WAIT = Duration.ofSeconds(5);

    static RedisClusterFixture cluster;
    static Redis redis;
    static RedisClusterNodes nodes;

    @BeforeAll
    static void start() {
        cluster = RedisClusterFixture.start(PORTS);
        nodes = cluster.nodes;
        redis = Redis.createClient(cluster.vertx, cluster.clientOptions());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A gateway replica's directory on the cluster; its drivers are {@code <name>-<n>}. */
    static RedisSessionDirectory replica(String name) {
        return new RedisSessionDirectory(redis, new DriverLocator() {
            @Override
            public String endpointOf(String driverId) {
                return driverId.startsWith(name + "-") ? "127.0.0.1:20001" : null;
            }

            @Override
            public void reach(PoolKey pool, String driverId, String endpoint) {
            }
        }, new RedisSessionDirectory.Settings(Duration.ofHours(1), Duration.ofMinutes(10), Duration.ofMillis(500),
                Duration.ofSeconds(2)));
    }

    @Test
    void aSessionBoundOnOneReplicaIsFoundOnAnotherForTeamsOnEveryPrimary() {
        List<PoolKey> pools = nodes.onEachNode(n -> new PoolKey("team-" + n, "dev"), SessionKeys::drivers);
        RedisSessionDirectory a = replica("a");
        RedisSessionDirectory b = replica("b");
        for (int i = 0; i < nodes.size(); i++) {
            PoolKey pool = pools.get(i);
            SessionKey key = new SessionKey(pool, "alice", UUID.randomUUID().toString());
            // Every key of a team is in one slot: the binding, its operations, the pool's driver registry.
            long slot = nodes.slot(SessionKeys.session(key));
            assertEquals(slot, nodes.slot(SessionKeys.operation(key, "op-1")));
            assertEquals(slot, nodes.slot(SessionKeys.drivers(pool)));

            SessionBinding bound = a.bind(key, () -> Uni.createFrom().item("a-" + pool.team())).await().atMost(WAIT);
            assertEquals("a-" + pool.team(), bound.driverId());
            assertEquals(1, nodes.send(i, Request.cmd(Command.EXISTS).arg(SessionKeys.session(key))).toInteger(),
                    "the binding of " + pool + " is on primary " + PORTS[i]);
            SessionBinding found = b.lookup(key).await().atMost(WAIT);
            assertNotNull(found, "replica b reads " + pool + "'s binding from the cluster");
            assertEquals(bound.driverId(), found.driverId());

            a.addOperation(bound, "op-1");
            waitFor(() -> key.equals(b.sessionOfOperation(key, "op-1").await().atMost(WAIT)), "op-1 recorded for " + pool);

            a.release(key);
            RedisSessionDirectory fresh = replica("c");
            waitFor(() -> fresh.lookup(key).await().atMost(WAIT) == null, "the release of " + pool + " seen by a fresh replica");
            assertNull(fresh.sessionOfOperation(key, "op-1").await().atMost(WAIT), "the operation went with the session");
        }
    }

    /** Fire-and-forget writes land shortly: polls, failing after a generous bound (correctness, not speed). */
    static void waitFor(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
