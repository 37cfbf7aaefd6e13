package dev.pedregal.gateway.jobs.executions;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Runs a unit of database work on a fresh duplicated Vert.x context marked safe, as Hibernate Reactive requires.
 * gRPC calls (served by the separate grpc-java server), timers and runner callbacks arrive on other threads; each of
 * their units of work gets a context, and so a session, of its own.
 */
@ApplicationScoped
public class DatabaseContext {

    private final Vertx vertx;

    public DatabaseContext(Vertx vertx) {
        this.vertx = vertx;
    }

    public <T> Uni<T> run(Supplier<Uni<T>> work) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        return Uni.createFrom().deferred(work::get).runSubscriptionOn(task -> context.runOnContext(v -> task.run()));
    }
}
