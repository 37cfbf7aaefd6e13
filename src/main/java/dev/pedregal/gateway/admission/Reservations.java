package dev.pedregal.gateway.admission;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.capacity.Admission;
import dev.pedregal.gateway.capacity.CapacityCalendar;
import dev.pedregal.gateway.capacity.CapacityUnavailable;
import dev.pedregal.gateway.capacity.Reservation;
import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.capacity.ledger.CapacityLedger;
import dev.pedregal.gateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;

/**
 * The one way sessions, clusters and jobs take capacity: the team's standing (a suspended team starts nothing
 * new), a hold in the Redis calendar committed in the same call, and the record in PostgreSQL that the calendar is rebuilt from
 * and that charges the team's budget when the reservation ends.
 *
 * <p>PostgreSQL down fails closed like Redis down ({@link CapacityUnavailable}): a reservation the ledger cannot
 * record is given back to the calendar, since a rebuild would not know it. An end the ledger cannot record is
 * retried in the background until it can (ends are idempotent), so the team's runtime is still charged.
 */
@ApplicationScoped
public class Reservations {

    private static final Logger LOG = Logger.getLogger(Reservations.class);

    /** How long an end the ledger could not record is retried, and the longest pause between tries. */
    static final Duration END_RETRY_FOR = Duration.ofHours(1);
    static final Duration END_RETRY_MAX_PAUSE = Duration.ofSeconds(30);

    private final boolean enabled;
    private final Duration retryAfter;
    private final Instance<CapacityCalendar> calendar;
    private final CapacityLedger ledger;

    public Reservations(GatewayConfig config, Instance<CapacityCalendar> calendar, CapacityLedger ledger) {
        this.enabled = config.capacity().enabled();
        this.retryAfter = config.capacity().unavailableRetryAfter();
        this.calendar = calendar;
        this.ledger = ledger;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The capacity pool of an environment in a region ({@code null}: the default region). */
    public Optional<String> poolFor(String environment, String region) {
        return ledger.poolFor(environment, region);
    }

    /**
     * Reserves {@code size} in {@code pool} for [start, end) under {@code id}; fails with {@link CapacityDenied}
     * (no room, or the team is suspended) or {@code CapacityUnavailable} (Redis trouble: fail closed).
     *
     * @param kind    session, cluster or job
     * @param subject what the reservation is for (session key, cluster id, execution id)
     */
    public Uni<Reservation> reserve(String kind, String subject, String id, String team, String pool, Resources size,
            Instant start, Instant end) {
        Reservation r = new Reservation(id, team, pool, size, start, end);
        CapacityCalendar cal = calendar.get();
        return ledger.standing(team).onFailure().transform(e -> CapacityUnavailable.ledger(
                "team " + team + "'s standing cannot be read: " + e.getMessage(), retryAfter, e)).chain(standing -> {
            var refusal = standing.refusal(pool);
            if (refusal.isPresent()) {
                throw new CapacityDenied(refusal.get());
            }
            // Hold and commit in one calendar call: nothing here runs between the two.
            return cal.reserve(r);
        }).chain(admission -> {
            if (admission instanceof Admission.Denied denied) {
                throw new CapacityDenied(denied.shortfall());
            }
            if (admission instanceof Admission.Gone gone) {
                throw new CapacityDenied("the reservation " + gone.id() + " was already "
                        + gone.state().name().toLowerCase(java.util.Locale.ROOT) + "; it cannot be taken again");
            }
            return ledger.committed(r, kind, subject).onFailure().call(e -> {
                LOG.warnf("The ledger could not record %s %s's reservation %s (%s); giving it back", kind, subject,
                        r.id(), e.getMessage());
                return cal.release(pool, r.id()).onFailure().recoverWithNull();
            }).onFailure().transform(e -> CapacityUnavailable.ledger(
                    "the reservation could not be recorded: " + e.getMessage(), retryAfter, e));
        }).replaceWith(r);
    }

    /** The committed reservations held by {@code subject} (a cluster id, an execution id), as the ledger has them. */
    public Uni<List<Reservation>> heldBy(String kind, String subject) {
        return ledger.committedFor(kind, subject);
    }

    /** Moves a reservation's end later; answers the reservation as it now stands, or empty when there was no room. */
    public Uni<Optional<Reservation>> extend(Reservation r, Instant newEnd) {
        return calendar.get().extend(r, newEnd).chain(admission -> {
            if (admission instanceof Admission.Granted granted) {
                return ledger.extended(r.pool(), r.id(), granted.reservation().end())
                        .replaceWith(Optional.of(granted.reservation()));
            }
            return Uni.createFrom().item(Optional.<Reservation> empty());
        });
    }

    /** Gives a reservation back (its runtime is charged to the team's budget). Failures are logged, not raised. */
    public void release(String pool, String id, String what) {
        released(pool, id, what).subscribe().with(v -> {
        }, f -> LOG.warnf("Could not give back %s's reservation %s: %s", what, id, f.getMessage()));
    }

    /**
     * {@link #release}, completing once the calendar and the ledger have it, or once the ledger's first try failed
     * (it is then retried in the background); failures are logged, not raised.
     */
    public Uni<Void> released(String pool, String id, String what) {
        Instant at = Instant.now();
        return calendar.get().release(pool, id)
                .onFailure().invoke(f -> LOG.warnf("Could not release capacity of %s in Redis (%s)", what, f.getMessage()))
                .onFailure().recoverWithNull()
                .chain(state -> ledger.ended(pool, id, at))
                .invoke(v -> LOG.debugf("Released %s of %s", id, what))
                .onFailure().invoke(f -> {
                    LOG.warnf("Could not record the end of %s's reservation %s yet (%s); retrying in the background",
                            what, id, f.getMessage());
                    recordEndLater(pool, id, at, what);
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private void recordEndLater(String pool, String id, Instant at, String what) {
        ledger.ended(pool, id, at)
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), END_RETRY_MAX_PAUSE)
                .expireIn(END_RETRY_FOR.toMillis())
                .subscribe().with(v -> LOG.infof("Recorded the end of %s's reservation %s", what, id),
                        f -> LOG.errorf("Gave up recording the end of %s's reservation %s after %s: %s", what, id,
                                END_RETRY_FOR, f.getMessage()));
    }
}
