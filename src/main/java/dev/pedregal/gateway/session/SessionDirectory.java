package dev.pedregal.gateway.session;

import java.util.Collection;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * Session → driver bindings and the operation → session index. {@link InMemorySessionDirectory} serves one
 * gateway; {@link RedisSessionDirectory} lets several replicas agree on where a session lives.
 *
 * <p>The per-RPC path asks {@link #find} first: a synchronous look in this process's bindings, no I/O. Only
 * when it misses does it ask {@link #lookup}, which may go to a shared store.
 */
public interface SessionDirectory {

    /** The binding of a session held in this process, or null. Never does I/O. */
    SessionBinding find(SessionKey key);

    /**
     * The binding of a session, looked up in the shared store when this process does not hold it; null when the
     * session is not bound anywhere. Fails with {@link SessionStoreUnavailable} when the store cannot answer.
     */
    Uni<SessionBinding> lookup(SessionKey key);

    /**
     * The binding of a session, binding it to the driver {@code place} picks when it has none. Concurrent
     * first RPCs of one session all get the same binding; {@code place} runs once per process. When another
     * replica bound the session first, its binding is returned and this placement is handed to the
     * {@link #onPlacementDiscarded} listener.
     */
    Uni<SessionBinding> bind(SessionKey key, Supplier<Uni<String>> place);

    /** Registers the listener told of a placement made for a session another replica bound first. */
    default void onPlacementDiscarded(Consumer<SessionBinding> listener) {
    }

    /** Records that an operation belongs to a session. */
    void addOperation(SessionBinding binding, String operationId);

    /** Forgets an operation. */
    void removeOperation(SessionBinding binding, String operationId);

    /**
     * The session an operation belongs to among those of the caller's pool and user, or null. The per-RPC path
     * asks only for operations not in {@link SessionBinding#operations()} already.
     */
    Uni<SessionKey> sessionOfOperation(SessionKey caller, String operationId);

    /** Removes a session's binding; returns it, or null when there was none. */
    SessionBinding release(SessionKey key);

    /** Marks every session bound to a driver as lost; returns them. */
    Collection<SessionBinding> driverLost(String driverId, String reason);

    /**
     * Removes live sessions without an RPC since {@code idleCutoffMillis} and lost ones older still; answers the
     * live ones removed whose slot this process holds.
     */
    Uni<Collection<SessionBinding>> expire(long idleCutoffMillis);

    /** Every binding this process holds, lost ones included. */
    Collection<SessionBinding> all();

    /** Live (not lost) sessions this process holds. */
    default long liveCount() {
        return all().stream().filter(b -> !b.lost()).count();
    }
}
