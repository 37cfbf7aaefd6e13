package dev.pedregal.gateway.support;

import io.vertx.mutiny.core.Vertx;
import io.vertx.redis.client.RedisOptions;

/**
 * A Redis Cluster on loopback for a plain JUnit test (no Quarkus): the cluster, a Vert.x instance for the test's
 * clients, and a plain client per primary. {@link #close()} closes the clients, then stops the nodes.
 */
public final class RedisClusterFixture implements AutoCloseable {

    public final RedisClusterServer cluster;
    public final Vertx vertx;
    public final RedisClusterNodes nodes;

    private RedisClusterFixture(RedisClusterServer cluster) {
        this.cluster = cluster;
        this.vertx = Vertx.vertx();
        this.nodes = new RedisClusterNodes(vertx, cluster);
    }

    /** Starts a cluster of one primary per port (at least three). */
    public static RedisClusterFixture start(int... ports) {
        return new RedisClusterFixture(RedisClusterServer.start(ports));
    }

    /** Options of a Vert.x cluster client that knows every node. */
    public RedisOptions clientOptions() {
        return cluster.clientOptions();
    }

    @Override
    public void close() {
        try {
            vertx.closeAndAwait();
        } finally {
            cluster.close();
        }
    }
}
