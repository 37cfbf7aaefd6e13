package dev.pedregal.gateway.jobs.executions;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The in-process broadcast of execution state changes that Watch streams listen to. Fed by {@link JobService} after
 * each committed change; a listener must not block (it is called on the thread that committed the change).
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

    void publish(ExecutionView change) {
        Set<Consumer<ExecutionView>> set = listeners.get(change.id());
        if (set != null) {
            set.forEach(l -> l.accept(change));
        }
    }
}
