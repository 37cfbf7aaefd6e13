package dev.pedregal.gateway.capacity.ledger;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Runs ledger database work from any thread: the gRPC path, the Redis client's event loop, a timer, a REST
 * request. Hibernate Reactive needs a duplicated Vert.x context marked safe, one per unit of work; each call
 * gets a fresh one, so callers need not know.
 */
@ApplicationScoped
class LedgerContext {

    private final Vertx vertx;

    LedgerContext(Vertx vertx) {
        this.vertx = vertx;
    }

    <T> Uni<T> transaction(Supplier<Uni<T>> work) {
        return onOwnContext(() -> Panache.withTransaction(work::get));
    }

    <T> Uni<T> session(Supplier<Uni<T>> work) {
        return onOwnContext(() -> Panache.withSession(work::get));
    }

    private <T> Uni<T> onOwnContext(Supplier<Uni<T>> work) {
        return Uni.createFrom().emitter(emitter -> {
            Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(context, true);
            context.runOnContext(v -> work.get().subscribe().with(emitter::complete, emitter::fail));
        });
    }
}
