package dev.pedregal.gateway.admission;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.pedregal.gateway.capacity.Shortfall;

/**
 * A reservation was refused: no room in some slice ({@link #shortfall()} has the facts), or the team is suspended
 * (its budget is used up; no shortfall). Each front end turns it into its own answer (gRPC status, HTTP problem).
 */
public final class CapacityDenied extends RuntimeException {

    private final Shortfall shortfall;

    CapacityDenied(Shortfall shortfall) {
        super(shortfall.message(), null, false, false);
        this.shortfall = shortfall;
    }

    CapacityDenied(String suspension) {
        super(suspension, null, false, false);
        this.shortfall = null;
    }

    /** Empty when the team is suspended rather than short of room. */
    public Optional<Shortfall> shortfall() {
        return Optional.ofNullable(shortfall);
    }

    public boolean suspended() {
        return shortfall == null;
    }

    /** How long until the request would fit; null when waiting would not help. */
    public Duration retryAfter() {
        return shortfall == null ? null : shortfall.retryAfter(Instant.now()).orElse(null);
    }
}
