package dev.pedregal.gateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Bindings shared by every gateway replica through Redis, with this process's bindings cached in memory.
 *
 * <p>The cache is the hot path: a session this replica has seen routes with no Redis call. A miss reads Redis;
 * a session bound nowhere is placed here and then claimed with {@code SET NX}, so of two replicas placing one
 * session at once exactly one wins and the other hands its placement back and uses the winner's binding.
 * Bindings expire in Redis after the idle timeout; a replica extends those it used at most every quarter of it,
 * from {@link #expire}, never on the RPC path. That sweep also notices sessions released or lost on another
 * replica. Tombstones keep the reason a driver was lost for {@code lost-session-memory}.
 *
 * <p>Redis trouble: cached sessions keep routing; anything needing Redis to decide where a session lives fails
 * with {@link SessionStoreUnavailable} (fail closed), and bookkeeping writes are retried by the next sweep.
 */
public final class RedisSessionDirectory implements SessionDirectory {

    private static final Logger LOG = Logger.getLogger(RedisSessionDirectory.class);

    /** Timing of the store. */
    public record Settings(Duration idleTimeout, Duration lostMemory, Duration redisTimeout, Duration retryAfter) {
    }

    private final Redis redis;
    private final DriverLocator drivers;
    private final Settings settings;
    private final long idleMillis;
    private final long refreshMillis;
    private final ConcurrentHashMap<SessionKey, CompletableFuture<SessionBinding>> cache = new ConcurrentHashMap<>();
    private final List<Consumer<SessionBinding>> discarded = new CopyOnWriteArrayList<>();

    public RedisSessionDirectory(Redis redis, DriverLocator drivers, Settings settings) {
        this.redis = redis;
        this.drivers = drivers;
        this.settings = settings;
        this.idleMillis = settings.idleTimeout().toMillis();
        this.refreshMillis = Math.max(1, idleMillis / 4);
    }

    @Override
    public SessionBinding find(SessionKey key) {
        CompletableFuture<SessionBinding> binding = cache.get(key);
        return binding == null ? null : binding.getNow(null);
    }

    @Override
    public Uni<SessionBinding> lookup(SessionKey key) {
        CompletableFuture<SessionBinding> cached = cache.get(key);
        if (cached != null) {
            return Uni.createFrom().completionStage(cached);
        }
        return read(key).map(stored -> stored == null ? null : remember(key, stored));
    }

    @Override
    public Uni<SessionBinding> bind(SessionKey key, Supplier<Uni<String>> place) {
        CompletableFuture<SessionBinding> mine = new CompletableFuture<>();
        CompletableFuture<SessionBinding> existing = cache.putIfAbsent(key, mine);
        if (existing != null) {
            SessionBinding bound = existing.getNow(null);
            return bound != null ? Uni.createFrom().item(bound) : Uni.createFrom().completionStage(existing);
        }
        read(key).flatMap(stored -> stored != null ? Uni.createFrom().item(fromStore(key, stored)) : placeAndClaim(key, place))
                .subscribe().with(mine::complete, failure -> {
                    cache.remove(key, mine);
                    mine.completeExceptionally(failure);
                });
        return Uni.createFrom().completionStage(mine);
    }

    /** Places the session here, then claims it in Redis; the loser of a race between replicas takes the winner's. */
    private Uni<SessionBinding> placeAndClaim(SessionKey key, Supplier<Uni<String>> place) {
        return place.get().flatMap(driverId -> {
            SessionBinding placed = new SessionBinding(key, driverId, true);
            String value = StoredBinding.bound(driverId, drivers.endpointOf(driverId)).encode();
            return send(Request.cmd(Command.SET).arg(SessionKeys.session(key)).arg(value).arg("NX").arg("PX").arg(idleMillis))
                    .flatMap(ok -> ok != null ? Uni.createFrom().item(placed) : read(key).map(winner -> {
                        if (winner == null) {
                            // The winner's binding expired in between: rare enough to let the client retry.
                            throw unavailable("the session was bound and released by another replica meanwhile", null);
                        }
                        LOG.debugf("Session %s was bound by another replica first; handing back %s", key, driverId);
                        discard(placed);
                        return fromStore(key, winner);
                    }))
                    .onFailure(SessionStoreUnavailable.class).invoke(() -> discard(placed));
        });
    }

    private void discard(SessionBinding placed) {
        discarded.forEach(l -> l.accept(placed));
    }

    @Override
    public void onPlacementDiscarded(Consumer<SessionBinding> listener) {
        discarded.add(listener);
    }

    @Override
    public void addOperation(SessionBinding binding, String operationId) {
        if (binding.operations().add(operationId)) {
            fireAndForget("record operation " + operationId, Request.cmd(Command.SET)
                    .arg(SessionKeys.operation(binding.key(), operationId)).arg(binding.key().sessionId())
                    .arg("PX").arg(idleMillis));
        }
    }

    @Override
    public void removeOperation(SessionBinding binding, String operationId) {
        binding.operations().remove(operationId);
        fireAndForget("forget operation " + operationId,
                Request.cmd(Command.DEL).arg(SessionKeys.operation(binding.key(), operationId)));
    }

    @Override
    public Uni<SessionKey> sessionOfOperation(SessionKey caller, String operationId) {
        return send(Request.cmd(Command.GET).arg(SessionKeys.operation(caller, operationId)))
                .map(r -> r == null ? null : new SessionKey(caller.pool(), caller.userId(), r.toString()));
    }

    @Override
    public SessionBinding release(SessionKey key) {
        CompletableFuture<SessionBinding> removed = cache.remove(key);
        SessionBinding binding = removed == null ? null : removed.getNow(null);
        Request delete = Request.cmd(Command.DEL).arg(SessionKeys.session(key));
        if (binding != null) {
            binding.operations().forEach(op -> delete.arg(SessionKeys.operation(key, op)));
        }
        fireAndForget("release session " + key, delete);
        return binding;
    }

    @Override
    public Collection<SessionBinding> driverLost(String driverId, String reason) {
        List<SessionBinding> lost = new ArrayList<>();
        for (CompletableFuture<SessionBinding> f : cache.values()) {
            SessionBinding b = f.getNow(null);
            if (b != null && !b.lost() && b.driverId().equals(driverId)) {
                Request delete = Request.cmd(Command.DEL);
                b.operations().forEach(op -> delete.arg(SessionKeys.operation(b.key(), op)));
                if (b.placedHere()) {
                    // The replica that placed the session leaves the tombstone the others will read.
                    fireAndForget("tombstone " + b.key(), Request.cmd(Command.SET).arg(SessionKeys.session(b.key()))
                            .arg(StoredBinding.lost(driverId, reason).encode()).arg("PX")
                            .arg(settings.lostMemory().toMillis()));
                }
                if (!b.operations().isEmpty()) {
                    fireAndForget("forget operations of " + b.key(), delete);
                }
                b.markLost(reason);
                lost.add(b);
            }
        }
        return lost;
    }

    /**
     * The periodic sweep: drops old tombstones, extends in Redis the bindings used here since their last
     * refresh (at most every idle/4 each), and drops bindings Redis no longer has (released elsewhere, or idle
     * everywhere for the timeout). Answers the dropped live ones this process placed, whose slot it holds.
     */
    @Override
    public Uni<Collection<SessionBinding>> expire(long idleCutoffMillis) {
        long now = System.currentTimeMillis();
        long tombstoneCutoff = now - settings.lostMemory().toMillis();
        List<Uni<SessionBinding>> checks = new ArrayList<>();
        cache.forEach((key, f) -> {
            SessionBinding b = f.getNow(null);
            if (b == null) {
                return;
            }
            if (b.lost()) {
                if (b.lastUsedMillis() < tombstoneCutoff) {
                    cache.remove(key, f);
                }
                return;
            }
            if (now - b.syncedAtMillis() < refreshMillis) {
                return;
            }
            boolean usedSinceSync = b.takeUse();
            Request request = usedSinceSync
                    ? Request.cmd(Command.GETEX).arg(SessionKeys.session(key)).arg("PX").arg(idleMillis)
                    : Request.cmd(Command.GET).arg(SessionKeys.session(key));
            checks.add(send(request).flatMap(r -> {
                b.synced(now);
                StoredBinding stored = r == null ? null : StoredBinding.parse(r.toString());
                if (stored == null && usedSinceSync && b.placedHere()) {
                    // Still in use here, yet gone from Redis (restarted empty): claim it again, unless someone
                    // bound the session meanwhile.
                    return send(Request.cmd(Command.SET).arg(SessionKeys.session(key))
                            .arg(StoredBinding.bound(b.driverId(), drivers.endpointOf(b.driverId())).encode())
                            .arg("NX").arg("PX").arg(idleMillis)).map(ok -> ok != null ? null : drop(key, f, b));
                }
                if (stored == null || !stored.driverId().equals(b.driverId())) {
                    return Uni.createFrom().item(drop(key, f, b));
                }
                if (stored.isLost()) {
                    b.markLost(stored.lostReason());
                }
                return Uni.createFrom().nullItem();
            }).onFailure().invoke(() -> {
                if (usedSinceSync) {
                    b.keepUse();
                }
            }).onFailure().recoverWithNull());
        });
        if (checks.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Uni.join().all(checks).andCollectFailures()
                .map(results -> results.stream().filter(b -> b != null).toList());
    }

    /** Forgets a binding Redis no longer has; answers it when this process holds its driver slot. */
    private SessionBinding drop(SessionKey key, CompletableFuture<SessionBinding> cached, SessionBinding b) {
        cache.remove(key, cached);
        return b.placedHere() ? b : null;
    }

    @Override
    public Collection<SessionBinding> all() {
        List<SessionBinding> all = new ArrayList<>();
        cache.values().forEach(f -> {
            SessionBinding b = f.getNow(null);
            if (b != null) {
                all.add(b);
            }
        });
        return all;
    }

    private Uni<StoredBinding> read(SessionKey key) {
        return send(Request.cmd(Command.GET).arg(SessionKeys.session(key)))
                .map(r -> r == null ? null : StoredBinding.parse(r.toString()));
    }

    /** Caches a binding read from Redis; concurrent readers of one session end up with one binding object. */
    private SessionBinding remember(SessionKey key, StoredBinding stored) {
        CompletableFuture<SessionBinding> mine = CompletableFuture.completedFuture(fromStore(key, stored));
        CompletableFuture<SessionBinding> existing = cache.putIfAbsent(key, mine);
        SessionBinding current = existing == null ? null : existing.getNow(null);
        return current != null ? current : mine.join();
    }

    private SessionBinding fromStore(SessionKey key, StoredBinding stored) {
        SessionBinding binding = new SessionBinding(key, stored.driverId(), false);
        if (stored.isLost()) {
            binding.markLost(stored.lostReason());
        } else if (drivers.endpointOf(stored.driverId()) == null && !stored.endpoint().isEmpty()) {
            drivers.reach(key.pool(), stored.driverId(), stored.endpoint());
        }
        return binding;
    }

    private void fireAndForget(String what, Request request) {
        send(request).subscribe().with(r -> {
        }, failure -> LOG.debugf("Could not %s in Redis: %s", what, failure.getMessage()));
    }

    /** One Redis round trip, bounded; any failure becomes {@link SessionStoreUnavailable}. */
    private Uni<Response> send(Request request) {
        return Uni.createFrom().deferred(() -> redis.send(request))
                .ifNoItem().after(settings.redisTimeout()).failWith(() -> unavailable("no answer from Redis within "
                        + settings.redisTimeout().toMillis() + " ms", null))
                .onFailure(f -> !(f instanceof SessionStoreUnavailable)).transform(f -> unavailable(f.getMessage(), f));
    }

    private SessionStoreUnavailable unavailable(String reason, Throwable cause) {
        return new SessionStoreUnavailable(reason, settings.retryAfter(), cause);
    }
}
