package dev.pedregal.gateway.support;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisOptions;

/**
 * A Redis Cluster on loopback for a plain JUnit test (no Quarkus): the cluster, a Vert.x instance for the test's
 * clients, and a plain client per primary. {@link #close()} closes the clients, then stops the nodes.
 */
public final class RedisClusterFixture implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(10);

    public final RedisClusterServer cluster;
    public final Vertx vertx;
    /** The primaries as created (index i: the i-th port). */
    public final RedisClusterNodes nodes;
    private final Map<Integer, Redis> byPort = new ConcurrentHashMap<>();

    private RedisClusterFixture(RedisClusterServer cluster) {
        this.cluster = cluster;
        this.vertx = Vertx.vertx();
        this.nodes = new RedisClusterNodes(vertx, cluster);
    }

    /** Starts a cluster of one primary per port (at least three). */
    public static RedisClusterFixture start(int... ports) {
        return new RedisClusterFixture(RedisClusterServer.start(ports));
    }

    /** Starts a cluster of one primary per port (at least three); a node silent for {@code nodeTimeout} is deemed failed. */
    public static RedisClusterFixture start(Duration nodeTimeout, int... ports) {
        return new RedisClusterFixture(RedisClusterServer.start(0, nodeTimeout, ports));
    }

    /**
     * Starts a cluster of primaries on the first half of the ports and a replica of each on the other half; a
     * node silent for {@code nodeTimeout} is deemed failed and its replica promoted (about a second later).
     */
    public static RedisClusterFixture startWithReplicas(Duration nodeTimeout, int... ports) {
        return new RedisClusterFixture(RedisClusterServer.start(1, nodeTimeout, ports));
    }

    /** Options of a Vert.x cluster client that knows every node. */
    public RedisOptions clientOptions() {
        return cluster.clientOptions();
    }

    /** One command on the node of this port only (a replica too). */
    public Response send(RedisServer node, Request request) {
        return byPort.computeIfAbsent(node.port(), port -> Redis.createClient(vertx, new RedisOptions().setConnectionString(node.url())))
                .send(request).await().atMost(WAIT);
    }

    /** The node that replicates primary {@code primary} (index into {@link RedisClusterServer#primaries()}). */
    public RedisServer replicaOf(int primary) {
        RedisServer server = cluster.primaries().get(primary);
        String id = send(server, Request.cmd(Command.CLUSTER).arg("MYID")).toString();
        for (String line : send(server, Request.cmd(Command.CLUSTER).arg("NODES")).toString().split("\n")) {
            // <id> <ip:port@bus> <flags> <primary id> ...
            String[] f = line.trim().split(" ");
            if (f.length > 3 && f[2].contains("slave") && f[3].equals(id)) {
                int port = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1, f[1].indexOf('@')));
                return cluster.nodes().stream().filter(n -> n.port() == port).findFirst().orElseThrow();
            }
        }
        throw new IllegalStateException("no replica of the primary on port " + server.port());
    }

    /** The node's role: {@code master} or {@code slave}. */
    public String role(RedisServer node) {
        return send(node, Request.cmd(Command.ROLE)).get(0).toString();
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
