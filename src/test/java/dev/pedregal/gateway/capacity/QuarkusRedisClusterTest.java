package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.session.SessionStores;
import dev.pedregal.gateway.support.RedisClusterNodes;
import dev.pedregal.gateway.support.RedisClusterResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

/**
 * The gateway as configured for a Redis Cluster ({@code quarkus.redis.client-type=cluster}, every node in
 * {@code quarkus.redis.hosts}): the capacity library is loaded on every primary at start, the rate limiter's calls
 * through the Quarkus client reach every primary, and the session store's own client is a cluster client too.
 */
@QuarkusTest
@TestProfile(QuarkusRedisClusterTest.OnCluster.class)
class QuarkusRedisClusterTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    public static class OnCluster implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pedregal.pool.warm-drivers", "0");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RedisClusterResource.class));
        }
    }

    @Inject
    CapacityFunctions functions;
    @Inject
    RateLimiter limiter;
    @Inject
    SessionStores stores;
    @Inject
    Vertx vertx;

    RedisClusterNodes nodes;

    @BeforeEach
    void nodes() {
        nodes = new RedisClusterNodes(vertx, RedisClusterResource.urls());
    }

    @Test
    void theLibraryIsLoadedOnEveryPrimaryAtStart() throws InterruptedException {
        // The start-up load runs in the background; it is done once counted.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (functions.loads() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(functions.loads() > 0, "the library was loaded at start");
        for (int i = 0; i < nodes.size(); i++) {
            assertEquals(1, nodes.send(i, Request.cmd(Command.FUNCTION).arg("LIST").arg("LIBRARYNAME").arg("pedregal_capacity"))
                    .size(), "pedregal_capacity on primary " + RedisClusterResource.urls().get(i));
        }
    }

    @Test
    void rateLimitsReachEveryPrimaryThroughTheQuarkusClient() {
        List<String> keys = nodes.onEachNode(n -> "quarkus:" + n, CalendarKeys::rate);
        for (int i = 0; i < nodes.size(); i++) {
            String key = keys.get(i);
            RateLimit limit = new RateLimit(60, 1);
            assertTrue(limiter.acquire(key, limit).await().atMost(WAIT).allowed(), key);
            assertFalse(limiter.acquire(key, limit).await().atMost(WAIT).allowed(), key + ": the burst of one is spent");
        }
    }

    @Test
    void theSessionStoreClientReachesEveryPrimary() {
        Redis store = stores.redis();
        // A client of the first host alone would be redirected (MOVED) for the other primaries' keys.
        List<String> keys = nodes.onEachNode(n -> "pedregal:{team-" + n + "}:probe", key -> key);
        for (String key : keys) {
            store.send(Request.cmd(Command.SET).arg(key).arg("here")).await().atMost(WAIT);
            assertEquals("here", store.send(Request.cmd(Command.GET).arg(key)).await().atMost(WAIT).toString(), key);
        }
    }
}
