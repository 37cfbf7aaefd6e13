package dev.pedregal.gateway.jobs.executions;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The in-process broadcast of execution state changes that Watch streams listen to, and {@link ExecutionDriver} for
 * the executions it drives. Fed by {@link ExecutionStore}
 * after each change this replica commits, and by {@link ReplicaChanges} with the snapshot read after another
 * replica's change; a listener may see one change twice or out of order (it orders by version), and must not block
 * (it is called on the thread that committed or read the change).
 */
@ApplicationScoped
public class ExecutionChanges {

    private final ConcurrentHashMap<UUID, Set<Consumer<ExecutionView>>> listeners = new ConcurrentHashMap<>();

    /** Calls {@code listener} with every later change of the execution; the returned action stops it. */
    public Runnable listen(UUID executionId, Consumer<ExecutionView> listener) {
        listeners.computeIfAbsent(executionId, id -> ConcurrentHashMap.newKeySet()).add(listener);
        return () -> listeners.computeIfPresent(executionId, (id, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    /** Whether a Watch (or the driver) on this replica follows the execution. */
    boolean listening(UUID executionId) {
        return listeners.containsKey(executionId);
    }

    /** The executions Watch streams (and the driver) on this replica follow. */
    Set<UUID> listened() {
        return Set.copyOf(listeners.keySet());
    }

    void publish(ExecutionView change) {
        Set<Consumer<ExecutionView>> set = listeners.get(change.id());
        if (set != null) {
            set.forEach(l -> l.accept(change));
        }
    }
}
