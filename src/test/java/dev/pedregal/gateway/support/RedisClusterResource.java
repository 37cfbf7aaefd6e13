package dev.pedregal.gateway.support;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real Redis Cluster of three empty primaries (see {@link RedisClusterServer}) for a Quarkus test: the Quarkus
 * Redis client in cluster mode on it, the capacity calendar on, sessions shared through it.
 */
public class RedisClusterResource implements QuarkusTestResourceLifecycleManager {

    public static final int[] PORTS = {17021, 17022, 17023};

    private RedisClusterServer cluster;

    @Override
    public Map<String, String> start() {
        cluster = RedisClusterServer.start(PORTS);
        return Map.of(
                "quarkus.redis.hosts", cluster.hosts(),
                "quarkus.redis.client-type", "cluster",
                "pedregal.capacity.enabled", "true",
                "pedregal.sessions.store", "redis");
    }

    @Override
    public void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The nodes' URLs (the test and the resource share no statics). */
    public static List<String> urls() {
        return Arrays.stream(PORTS).mapToObj(port -> "redis://127.0.0.1:" + port).toList();
    }
}
