package dev.pedregal.gateway.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/**
 * A real Redis Cluster on loopback for tests: one empty {@link RedisServer} cluster node per port, primaries and
 * optionally replicas, joined by {@code redis-cli --cluster create} through src/local-stack/redis.sh, which
 * installs redis-server and redis-tools when missing. {@link #close()} stops exactly the nodes this started.
 */
public final class RedisClusterServer implements AutoCloseable {

    private final List<RedisServer> nodes;
    private final int primaries;

    private RedisClusterServer(List<RedisServer> nodes, int primaries) {
        this.nodes = nodes;
        this.primaries = primaries;
    }

    /** Starts a node on each port and makes one cluster of them (at least three), the slots split evenly in port order. */
    public static RedisClusterServer start(int... ports) {
        return start(0, Duration.ofSeconds(5), ports);
    }

    /**
     * Starts a node on each port and makes one cluster of them: the first {@code ports / (replicas + 1)} are the
     * primaries (at least three; the slots split evenly in port order), each of the others a replica of one, in
     * sync once this returns. A node that has not answered for {@code nodeTimeout} is deemed failed, and one of
     * its replicas takes over about a second later.
     */
    public static RedisClusterServer start(int replicas, Duration nodeTimeout, int... ports) {
        List<RedisServer> nodes = new ArrayList<>();
        RedisClusterServer cluster = new RedisClusterServer(nodes, ports.length / (replicas + 1));
        try {
            for (int port : ports) {
                nodes.add(RedisServer.startClusterNode(port, nodeTimeout));
            }
            List<String> create = new ArrayList<>(List.of("cluster-create", "--replicas", Integer.toString(replicas)));
            nodes.forEach(node -> create.add(Integer.toString(node.port())));
            RedisServer.script(create);
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** Every node, in port order. */
    public List<RedisServer> nodes() {
        return List.copyOf(nodes);
    }

    /** The nodes created as primaries, in port order. */
    public List<RedisServer> primaries() {
        return List.copyOf(nodes.subList(0, primaries));
    }

    /** Options of a Vert.x cluster client that knows every node. */
    public RedisOptions clientOptions() {
        return new RedisOptions().setType(RedisClientType.CLUSTER).setEndpoints(nodes.stream().map(RedisServer::url).toList());
    }

    /** Every node's URL, comma-separated, as {@code quarkus.redis.hosts} takes them. */
    public String hosts() {
        return nodes.stream().map(RedisServer::url).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (RedisServer node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
