package dev.pedregal.gateway.capacity;

/** The answer to a hold or an extend: granted, denied with the facts, or the reservation is gone. */
public sealed interface Admission {

    /**
     * The reservation is in the calendar.
     *
     * @param repeated the id was already held or committed (a retried call); nothing was booked twice
     */
    record Granted(Reservation reservation, ReservationState state, boolean repeated) implements Admission {
    }

    /** Some slice had no room; nothing was booked. */
    record Denied(Shortfall shortfall) implements Admission {
    }

    /** The id was released, its hold expired, or (extend) the calendar does not know it; nothing was booked. */
    record Gone(String id, ReservationState state) implements Admission {
    }

    default boolean granted() {
        return this instanceof Granted;
    }
}
