package dev.pedregal.gateway.capacity;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.vertx.UniHelper;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.redis.client.RedisCluster;

/**
 * The Redis servers that must each hold the Functions library: the one server behind a standalone (or sentinel,
 * or replication) client, or every primary of a Redis Cluster. A keyless command such as {@code FUNCTION LOAD}
 * sent through a cluster client reaches one node only, so on a cluster it is sent to each primary in turn.
 */
public interface Primaries extends AutoCloseable {

    /** Sends a keyless command to each primary; fails when one of them fails. Answers how many took it. */
    Uni<Integer> sendToEach(Request request);

    @Override
    default void close() {
    }

    /** The one server the client talks to. */
    static Primaries single(Redis redis) {
        return request -> redis.send(request).replaceWith(1);
    }

    /**
     * Every primary of the cluster behind {@code clusterClient}, a Vert.x client of type {@code CLUSTER} (not the
     * Quarkus bean: it wraps its client, which {@link RedisCluster} refuses), as the client's slot map shows them
     * at the time of the call (it is refreshed, so a primary promoted since start counts). The client is closed
     * with this.
     */
    static Primaries cluster(io.vertx.redis.client.Redis clusterClient) {
        RedisCluster cluster = RedisCluster.create(clusterClient);
        return new Primaries() {
            @Override
            public Uni<Integer> sendToEach(Request request) {
                return UniHelper.toUni(cluster.onAllMasterNodes(request.getDelegate())).map(java.util.List::size);
            }

            @Override
            public void close() {
                clusterClient.close();
            }
        };
    }
}
