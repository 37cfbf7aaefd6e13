package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisOptions;

/**
 * Where the calendar's commands go: the one server behind a standalone (or sentinel, or replication) client, or
 * the primaries of a Redis Cluster, each command to the primary serving its key's slot. The Functions library
 * must be on each of them: a keyless command such as {@code FUNCTION LOAD} is sent to every primary in turn.
 */
public interface Primaries extends AutoCloseable {

    /** Sends a command to the primary serving {@code key} (every key of the command is in its slot). */
    Uni<Response> send(String key, Request request);

    /** The primaries as they are now (on a cluster, as its topology reads at the time of the call). */
    Uni<List<Primary>> each();

    @Override
    default void close() {
    }

    /** The one server the client talks to. */
    static Primaries single(Redis redis) {
        List<Primary> one = List.of(new Primary("redis", redis));
        return new Primaries() {
            @Override
            public Uni<Response> send(String key, Request request) {
                return redis.send(request);
            }

            @Override
            public Uni<List<Primary>> each() {
                return Uni.createFrom().item(one);
            }
        };
    }

    /**
     * The primaries of the Redis Cluster whose nodes (some of them) {@code options} names, each reached by a
     * client of its own on those options (see {@link ClusterPrimaries}); {@code timeout} bounds a topology read.
     */
    static Primaries cluster(Vertx vertx, RedisOptions options, Duration timeout) {
        return new ClusterPrimaries(vertx, options, timeout);
    }
}
