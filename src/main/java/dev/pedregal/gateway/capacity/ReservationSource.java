package dev.pedregal.gateway.capacity;

import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * The source of truth for reservations (PostgreSQL, owned by the integrator). When Redis comes back empty the
 * calendar asks it for every live reservation and rebuilds from them.
 */
@FunctionalInterface
public interface ReservationSource {

    /** Every reservation that is committed and not yet ended. */
    Uni<List<Reservation>> liveReservations();
}
