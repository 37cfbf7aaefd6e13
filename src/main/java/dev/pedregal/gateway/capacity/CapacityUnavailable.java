package dev.pedregal.gateway.capacity;

import java.time.Duration;

/**
 * The calendar cannot answer (Redis down, slow, or not yet rebuilt after losing its data). Callers fail closed:
 * a new reservation is refused with a retry hint, never admitted on a guess.
 */
public final class CapacityUnavailable extends RuntimeException {

    private final Duration retryAfter;

    public CapacityUnavailable(String reason, Duration retryAfter, Throwable cause) {
        super("capacity calendar unavailable: " + reason, cause);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
