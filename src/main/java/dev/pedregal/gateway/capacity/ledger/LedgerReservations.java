package dev.pedregal.gateway.capacity.ledger;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.pedregal.gateway.capacity.Reservation;
import dev.pedregal.gateway.capacity.ReservationSource;
import io.smallrye.mutiny.Uni;

/** The committed reservations that have not ended, for rebuilding a calendar that Redis lost. */
@ApplicationScoped
public class LedgerReservations implements ReservationSource {

    private final LedgerContext db;
    private final boolean durable;

    public LedgerReservations(LedgerContext db,
            @ConfigProperty(name = "quarkus.datasource.active", defaultValue = "true") boolean durable) {
        this.db = db;
        this.durable = durable;
    }

    @Override
    public Uni<List<Reservation>> liveReservations() {
        if (!durable) {
            return Uni.createFrom().item(List.of());
        }
        return db.session(() -> ReservationRecord.<ReservationRecord> list("state = ?1 and endAt > ?2",
                ReservationRecord.COMMITTED, Instant.now()))
                .map(records -> records.stream().map(ReservationRecord::reservation).toList());
    }
}
