package dev.pedregal.gateway.capacity;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * One run at a time of an asynchronous task that many callers may ask for at once (reload the library, read the
 * cluster's topology): a caller arriving while a run is under way gets that run's outcome instead of a new run.
 */
final class SingleFlight<T> {

    private final AtomicReference<CompletableFuture<T>> running = new AtomicReference<>();

    Uni<T> run(Supplier<Uni<T>> task) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<T> mine = new CompletableFuture<>();
            CompletableFuture<T> current = running.compareAndExchange(null, mine);
            if (current != null) {
                return Uni.createFrom().completionStage(current);
            }
            Uni.createFrom().<T> deferred(task::get).subscribe().with(
                    result -> {
                        running.set(null);
                        mine.complete(result);
                    },
                    failure -> {
                        running.set(null);
                        mine.completeExceptionally(failure);
                    });
            return Uni.createFrom().completionStage(mine);
        });
    }

    /** True while a run is under way. */
    boolean running() {
        return running.get() != null;
    }
}
