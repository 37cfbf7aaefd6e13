package dev.pedregal.gateway.capacity;

/** Where a reservation is in its life, as the calendar in Redis knows it. */
public enum ReservationState {
    /** Counted in its slices until its hold TTL passes; commit makes it stay. */
    HELD,
    /** Counted until released. */
    COMMITTED,
    /** Released; its slices no longer count it. Remembered for a while so a late retry cannot re-book it. */
    RELEASED,
    /** A hold whose TTL passed before it was committed; reversed by the sweeper (or by the first call that met it). */
    EXPIRED,
    /** The calendar has no record of it (never held, or forgotten long after its end). */
    UNKNOWN;

    static ReservationState parse(String state) {
        return valueOf(state.toUpperCase(java.util.Locale.ROOT));
    }

    public boolean isLive() {
        return this == HELD || this == COMMITTED;
    }
}
