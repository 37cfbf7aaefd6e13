package dev.pedregal.gateway.capacity;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/**
 * The primaries of a Redis Cluster, each reached through a plain client of its own, and every command sent to the
 * primary serving its key's hash slot, as the cluster's slot map ({@code CLUSTER SLOTS}) says.
 *
 * <p>Why not the Vert.x cluster client: for every call it takes a connection to each node of its slot map and
 * fails the call when one of them cannot be reached ("Failed to connect to all nodes of the cluster"), so from the
 * moment a primary dies until its replica is promoted, every call fails, whatever its slot. Here a call needs the
 * primary of its own slot only: while one primary is gone the calls for its slots fail (the calendar fails them
 * closed) and the others go on.
 *
 * <p>The slot map is read at the first call, and again — in the background, at most once per
 * {@link #REREAD_INTERVAL}, never delaying a call — after a call met {@code MOVED} (the slot moved: the call
 * follows the redirect once) or could not reach its primary, or got no answer in time (it may have been replaced
 * by its replica). It is asked of every node known at once, the first answer taken: a node that never answers
 * (down without a reset) holds nothing up.
 */
final class ClusterPrimaries implements Primaries {

    private static final Logger LOG = Logger.getLogger(ClusterPrimaries.class);
    static final Duration REREAD_INTERVAL = Duration.ofMillis(100);

    private final Vertx vertx;
    private final RedisOptions options;
    private final Duration timeout;
    /** The nodes as configured ({@code host:port}): where the first slot map is read. */
    private final List<String> seeds;
    /** {@code scheme://} and the credentials of the configured URL, for the nodes the slot map names. */
    private final String urlPrefix;
    private final Map<String, Redis> clients = new ConcurrentHashMap<>();
    private final SingleFlight<SlotOwners> reading = new SingleFlight<>();
    private volatile SlotOwners owners;
    private volatile long lastRead = System.nanoTime() - REREAD_INTERVAL.toNanos();
    private volatile boolean closed;

    /**
     * @param options the cluster client's options (endpoints, credentials, TLS, pool sizes); each node's client
     *                gets a copy, as a standalone client of that node
     * @param timeout bound on each node's answer to {@code CLUSTER SLOTS}
     */
    ClusterPrimaries(Vertx vertx, RedisOptions options, Duration timeout) {
        this.vertx = vertx;
        this.options = new RedisOptions(options);
        this.timeout = timeout;
        List<URI> configured = options.getEndpoints().stream().map(URI::create).toList();
        if (configured.isEmpty()) {
            throw new IllegalArgumentException("no Redis Cluster node configured");
        }
        this.seeds = configured.stream().map(uri -> uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort())).toList();
        URI first = configured.get(0);
        this.urlPrefix = first.getScheme() + "://" + (first.getRawUserInfo() == null ? "" : first.getRawUserInfo() + "@");
    }

    @Override
    public Uni<Response> send(String key, Request request) {
        SlotOwners current = owners;
        return current != null ? send(current, key, request) : topology().chain(view -> send(view, key, request));
    }

    @Override
    public Uni<List<Primary>> each() {
        return topology().map(view -> view.primaries().stream().map(node -> new Primary(node, client(node))).toList());
    }

    private Uni<Response> send(SlotOwners view, String key, Request request) {
        int slot = KeySlot.of(key);
        String owner = view.ownerOf(slot);
        if (owner == null) {
            rereadSoon();
            return Uni.createFrom().failure(new IllegalStateException("no primary serves hash slot " + slot + " (" + key + ")"));
        }
        return client(owner).send(request)
                .onFailure().recoverWithUni(failure -> redirect(owner, failure, request))
                // cancelled: the caller's bound passed without an answer
                .onCancellation().invoke(this::rereadSoon);
    }

    /** Follows a MOVED once; a failure that is not Redis's own reply may mean a primary was replaced. */
    private Uni<Response> redirect(String owner, Throwable failure, Request request) {
        String movedTo = movedTo(owner, failure);
        if (movedTo != null || !(failure instanceof io.vertx.redis.client.Response)) {
            rereadSoon();
        }
        return movedTo == null ? Uni.createFrom().failure(failure) : client(movedTo).send(request);
    }

    /** The node of a {@code MOVED <slot> <host:port>} reply; null for any other failure. */
    static String movedTo(String owner, Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        if (!(failure instanceof io.vertx.redis.client.Response) || !message.startsWith("MOVED ")) {
            return null;
        }
        String[] parts = message.split(" ");
        if (parts.length != 3) {
            return null;
        }
        // ":port" when the node does not know its own address: the host of the node that answered
        return parts[2].startsWith(":") ? owner.substring(0, owner.lastIndexOf(':')) + parts[2] : parts[2];
    }

    private void rereadSoon() {
        if (closed || reading.running() || System.nanoTime() - lastRead < REREAD_INTERVAL.toNanos()) {
            return;
        }
        topology().subscribe().with(view -> {
        }, failure -> LOG.debugf("Redis Cluster slot map not read: %s", failure.getMessage()));
    }

    /** A slot map read now (or by the read under way): the first answer of the nodes known and configured. */
    Uni<SlotOwners> topology() {
        return reading.run(() -> {
            lastRead = System.nanoTime();
            Set<String> nodes = new LinkedHashSet<>(seeds);
            SlotOwners current = owners;
            if (current != null) {
                nodes.addAll(current.nodes());
            }
            return Uni.join().first(nodes.stream().map(this::readFrom).toList()).withItem()
                    .onFailure().transform(failure -> new IllegalStateException("no Redis Cluster node answered CLUSTER SLOTS ("
                            + nodes + "): " + failure.getMessage(), failure))
                    .invoke(this::adopt);
        });
    }

    private Uni<SlotOwners> readFrom(String node) {
        return client(node).send(Request.cmd(Command.CLUSTER).arg("SLOTS"))
                .ifNoItem().after(timeout).fail()
                .map(reply -> SlotOwners.of(reply, node))
                .invoke(view -> {
                    if (view.primaries().isEmpty()) {
                        throw new IllegalStateException(node + " serves no slot");
                    }
                });
    }

    private void adopt(SlotOwners view) {
        SlotOwners previous = owners;
        owners = view;
        if (previous == null || !previous.primaries().equals(view.primaries())) {
            LOG.infof("Redis Cluster primaries: %s%s", view.primaries(), previous == null ? "" : " (were " + previous.primaries() + ")");
        }
        // Clients of nodes gone from the cluster (a dead primary once replaced) are closed; a configured node's stays.
        clients.entrySet().removeIf(client -> {
            boolean gone = !view.nodes().contains(client.getKey()) && !seeds.contains(client.getKey());
            if (gone) {
                client.getValue().close();
            }
            return gone;
        });
    }

    private Redis client(String node) {
        return clients.computeIfAbsent(node, n -> Redis.createClient(vertx, new RedisOptions(options)
                .setType(RedisClientType.STANDALONE)
                .setEndpoints(new ArrayList<>(List.of(urlPrefix + n)))));
    }

    @Override
    public void close() {
        closed = true;
        clients.values().forEach(Redis::close);
        clients.clear();
    }
}
