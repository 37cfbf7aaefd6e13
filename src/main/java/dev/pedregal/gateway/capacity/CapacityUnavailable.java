package dev.pedregal.gateway.capacity;

import java.time.Duration;

/**
 * The calendar cannot answer (Redis down, slow, or not yet rebuilt after losing its data), or the ledger that
 * records every reservation (PostgreSQL) cannot read or record one. Callers fail closed: a new reservation is
 * refused with a retry hint, never admitted on a guess or left unrecorded.
 */
public final class CapacityUnavailable extends RuntimeException {

    private final Duration retryAfter;

    public CapacityUnavailable(String reason, Duration retryAfter, Throwable cause) {
        this(retryAfter, "capacity calendar unavailable: " + reason, cause);
    }

    private CapacityUnavailable(Duration retryAfter, String message, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    /** The ledger (PostgreSQL) could not read or record what admission needs. */
    public static CapacityUnavailable ledger(String reason, Duration retryAfter, Throwable cause) {
        return new CapacityUnavailable(retryAfter, "capacity ledger unavailable: " + reason, cause);
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
