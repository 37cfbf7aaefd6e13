package dev.pedregal.gateway.capacity;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/** One Redis server that takes writes, by name ({@code host:port} on a cluster), and a client of it alone. */
public record Primary(String name, Redis client) {

    public Uni<Response> send(Request request) {
        return client.send(request);
    }
}
