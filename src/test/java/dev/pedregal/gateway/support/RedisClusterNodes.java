package dev.pedregal.gateway.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisOptions;

/**
 * One plain (non-cluster) client per primary (as created) of a {@link RedisClusterServer}, to look at each node by itself: a
 * node answers for the keys of its own slots and redirects (MOVED) the others. Closed with their Vert.x instance.
 */
public final class RedisClusterNodes {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Redis> nodes;

    public RedisClusterNodes(Vertx vertx, RedisClusterServer cluster) {
        this(vertx, cluster.primaries().stream().map(RedisServer::url).toList());
    }

    /** On nodes given by URL (a cluster started by a test resource, in another class loader). */
    public RedisClusterNodes(Vertx vertx, List<String> urls) {
        this.nodes = urls.stream()
                .map(url -> Redis.createClient(vertx, new RedisOptions().setConnectionString(url)))
                .toList();
    }

    public int size() {
        return nodes.size();
    }

    /** One command on primary {@code node} only. */
    public Response send(int node, Request request) {
        return nodes.get(node).send(request).await().atMost(WAIT);
    }

    /** The primary that serves the key: the one node that answers for it instead of redirecting. */
    public int ownerOf(String key) {
        for (int i = 0; i < nodes.size(); i++) {
            try {
                send(i, Request.cmd(Command.EXISTS).arg(key));
                return i;
            } catch (RuntimeException moved) {
                // another primary's slot
            }
        }
        throw new IllegalStateException("no primary serves " + key);
    }

    /** The key's hash slot. */
    public long slot(String key) {
        return send(0, Request.cmd(Command.CLUSTER).arg("KEYSLOT").arg(key)).toLong();
    }

    /**
     * candidate(0), candidate(1)... until each primary owns one: answers them by primary, the i-th being one whose
     * key lives on primary i. Names that share a hash tag per primary make tests that touch every node.
     */
    public <T> List<T> onEachNode(IntFunction<T> candidate, Function<T, String> keyOf) {
        List<T> found = new ArrayList<>(Collections.nCopies(nodes.size(), null));
        for (int n = 0; found.contains(null); n++) {
            T name = candidate.apply(n);
            int owner = ownerOf(keyOf.apply(name));
            if (found.get(owner) == null) {
                found.set(owner, name);
            }
        }
        return List.copyOf(found);
    }
}
