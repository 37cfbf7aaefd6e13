package dev.pedregal.gateway.session;

import java.util.Collection;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * Session → driver bindings and the operation → session index. The in-memory implementation serves one
 * gateway; a shared store lets several replicas agree on where a session lives.
 */
public interface SessionDirectory {

    /** The binding of a session, or null when the session is not bound. */
    SessionBinding find(SessionKey key);

    /**
     * The binding of a session, binding it to the driver {@code place} picks when it has none. Concurrent
     * first RPCs of one session all get the same binding; {@code place} runs once.
     */
    Uni<SessionBinding> bind(SessionKey key, Supplier<Uni<String>> place);

    /** Records that an operation belongs to a session. */
    void addOperation(SessionBinding binding, String operationId);

    /** Forgets an operation. */
    void removeOperation(SessionBinding binding, String operationId);

    /** The session an operation belongs to among those of the caller's pool and user, or null. */
    SessionKey sessionOfOperation(SessionKey caller, String operationId);

    /** Removes a session's binding; returns it, or null when there was none. */
    SessionBinding release(SessionKey key);

    /** Marks every session bound to a driver as lost; returns them. */
    Collection<SessionBinding> driverLost(String driverId, String reason);

    /** Removes live sessions without an RPC since {@code idleCutoffMillis} and lost ones older still; returns the live ones removed. */
    Collection<SessionBinding> expire(long idleCutoffMillis);

    /** Every binding, lost ones included. */
    Collection<SessionBinding> all();
}
