package dev.pedregal.gateway.admission;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.capacity.CapacityCalendar;
import dev.pedregal.gateway.capacity.HoldSweeper;
import dev.pedregal.gateway.capacity.Reservation;
import dev.pedregal.gateway.capacity.ReservationSource;
import dev.pedregal.gateway.config.GatewayConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * Brings the capacity calendar up with the gateway: loads the Redis Functions, rebuilds the reservations from
 * the source of truth (idempotent: what Redis already has is left alone) and starts the sweeper of expired holds.
 * Start-up does not wait for Redis: until it answers, admission fails closed, and the bring-up is tried again after
 * {@code unavailable-retry-after}, backing off to 30 s (the calendar would also rebuild itself the first time a call finds a pool
 * unready, but that call is refused; trying again keeps the first users from meeting it).
 */
@ApplicationScoped
public class CapacityStartup {

    private static final Logger LOG = Logger.getLogger(CapacityStartup.class);
    static final long MAX_RETRY = 30_000;

    private final boolean enabled;
    private final Instance<CapacityCalendar> calendar;
    private final Instance<HoldSweeper> sweeper;
    private final Instance<ReservationSource> source;
    private final Vertx vertx;
    private final long retryMillis;
    private volatile boolean stopped;

    public CapacityStartup(GatewayConfig config, Instance<CapacityCalendar> calendar, Instance<HoldSweeper> sweeper,
            Instance<ReservationSource> source, Vertx vertx) {
        this.enabled = config.capacity().enabled();
        this.calendar = calendar;
        this.sweeper = sweeper;
        this.source = source;
        this.vertx = vertx;
        this.retryMillis = config.capacity().unavailableRetryAfter().toMillis();
    }

    void onStart(@Observes StartupEvent event) {
        if (!enabled) {
            LOG.info("Capacity calendar off (pedregal.capacity.enabled=false): nothing is reserved or refused for capacity");
            return;
        }
        bringUp(calendar.get(), retryMillis);
        sweeper.get().start(vertx);
    }

    private void bringUp(CapacityCalendar cal, long retryIn) {
        cal.start()
                .chain(() -> source.isResolvable() ? source.get().liveReservations() : Uni.createFrom().item(List.<Reservation> of()))
                .chain(cal::rebuild)
                .subscribe().with(
                        report -> LOG.infof("Capacity calendar ready: %s", report),
                        failure -> {
                            LOG.warnf("Capacity calendar not ready yet (%s): new sessions are refused until Redis answers;"
                                    + " trying again in %d ms", failure.getMessage(), retryIn);
                            if (!stopped) {
                                vertx.setTimer(retryIn, id -> bringUp(cal, Math.min(2 * retryIn, MAX_RETRY)));
                            }
                        });
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        if (enabled) {
            sweeper.get().stop(vertx);
        }
    }
}
