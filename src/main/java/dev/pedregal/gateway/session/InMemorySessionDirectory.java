package dev.pedregal.gateway.session;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * Bindings of this gateway process. Lost sessions stay as tombstones for {@code lost-session-memory} so their
 * next RPC is told why instead of silently starting afresh on another driver.
 */
public class InMemorySessionDirectory implements SessionDirectory {

    private final ConcurrentHashMap<SessionKey, CompletableFuture<SessionBinding>> sessions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<OperationKey, SessionKey> operations = new ConcurrentHashMap<>();
    private final long lostMemoryMillis;

    /** @param lostMemory how long a lost session's tombstone is kept */
    public InMemorySessionDirectory(java.time.Duration lostMemory) {
        this.lostMemoryMillis = lostMemory.toMillis();
    }

    @Override
    public SessionBinding find(SessionKey key) {
        CompletableFuture<SessionBinding> binding = sessions.get(key);
        return binding == null ? null : binding.getNow(null);
    }

    @Override
    public Uni<SessionBinding> lookup(SessionKey key) {
        CompletableFuture<SessionBinding> binding = sessions.get(key);
        return binding == null ? Uni.createFrom().nullItem() : Uni.createFrom().completionStage(binding);
    }

    @Override
    public Uni<SessionBinding> bind(SessionKey key, Supplier<Uni<String>> place) {
        CompletableFuture<SessionBinding> mine = new CompletableFuture<>();
        CompletableFuture<SessionBinding> existing = sessions.putIfAbsent(key, mine);
        if (existing != null) {
            SessionBinding bound = existing.getNow(null);
            return bound != null ? Uni.createFrom().item(bound) : Uni.createFrom().completionStage(existing);
        }
        place.get().subscribe().with(
                driverId -> mine.complete(new SessionBinding(key, driverId)),
                failure -> {
                    sessions.remove(key, mine);
                    mine.completeExceptionally(failure);
                });
        return Uni.createFrom().completionStage(mine);
    }

    @Override
    public void addOperation(SessionBinding binding, String operationId) {
        if (binding.operations().add(operationId)) {
            operations.put(OperationKey.of(binding.key(), operationId), binding.key());
        }
    }

    @Override
    public void removeOperation(SessionBinding binding, String operationId) {
        binding.operations().remove(operationId);
        operations.remove(OperationKey.of(binding.key(), operationId), binding.key());
    }

    @Override
    public Uni<SessionKey> sessionOfOperation(SessionKey caller, String operationId) {
        return Uni.createFrom().item(operations.get(OperationKey.of(caller, operationId)));
    }

    @Override
    public SessionBinding release(SessionKey key) {
        CompletableFuture<SessionBinding> removed = sessions.remove(key);
        SessionBinding binding = removed == null ? null : removed.getNow(null);
        if (binding != null) {
            forgetOperations(binding);
        }
        return binding;
    }

    @Override
    public Collection<SessionBinding> driverLost(String driverId, String reason) {
        List<SessionBinding> lost = new ArrayList<>();
        for (CompletableFuture<SessionBinding> f : sessions.values()) {
            SessionBinding b = f.getNow(null);
            if (b != null && !b.lost() && b.driverId().equals(driverId)) {
                forgetOperations(b);
                b.markLost(reason);
                lost.add(b);
            }
        }
        return lost;
    }

    @Override
    public Collection<SessionBinding> all() {
        List<SessionBinding> all = new ArrayList<>();
        sessions.values().forEach(f -> {
            SessionBinding b = f.getNow(null);
            if (b != null) {
                all.add(b);
            }
        });
        return all;
    }

    private void forgetOperations(SessionBinding binding) {
        for (String op : binding.operations()) {
            operations.remove(OperationKey.of(binding.key(), op), binding.key());
        }
    }

    @Override
    public Uni<Collection<SessionBinding>> expire(long idleCutoffMillis) {
        long tombstoneCutoff = System.currentTimeMillis() - lostMemoryMillis;
        List<SessionBinding> expired = new ArrayList<>();
        sessions.entrySet().removeIf(e -> {
            SessionBinding b = e.getValue().getNow(null);
            if (b == null) {
                return false;
            }
            if (b.lost()) {
                return b.lastUsed().toEpochMilli() < tombstoneCutoff;
            }
            if (b.lastUsed().toEpochMilli() < idleCutoffMillis) {
                forgetOperations(b);
                expired.add(b);
                return true;
            }
            return false;
        });
        return Uni.createFrom().item(expired);
    }

    /** Operation ids are scoped like sessions: by pool and user. */
    private record OperationKey(dev.pedregal.gateway.placement.PoolKey pool, String userId, String operationId) {
        static OperationKey of(SessionKey session, String operationId) {
            return new OperationKey(session.pool(), session.userId(), operationId);
        }
    }
}
