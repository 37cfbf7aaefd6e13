package dev.pedregal.gateway.jobs.executions;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * Keeps this replica's leases: every renew interval, one UPDATE extends the leases it holds, the executions it
 * drives but no longer holds (taken over, or ended elsewhere) are released, and executions whose lease ran out are
 * claimed and driven from here. At startup this scan is the recovery: a replica drives only what it claims, not every
 * unfinished execution. At shutdown the leases are let go, so that another replica takes them at its next scan
 * rather than after they run out.
 */
@ApplicationScoped
public class LeaseKeeper {

    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);

    private final ExecutionDriver driver;
    private final ExecutionLeases leases;
    private final Vertx vertx;
    private final Duration every;
    private final boolean databaseActive;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile long timer = -1;

    @Inject
    public LeaseKeeper(ExecutionDriver driver, ExecutionLeases leases, Vertx vertx, JobsConfig config,
            @ConfigProperty(name = "quarkus.datasource.active", defaultValue = "true") boolean databaseActive) {
        this.driver = driver;
        this.leases = leases;
        this.vertx = vertx;
        this.every = config.lease().renewInterval();
        this.databaseActive = databaseActive;
    }

    void onStart(@Observes StartupEvent event) {
        if (databaseActive) {
            LOG.infof("Driving batch job executions as %s", leases.holder());
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer < 0) {
            return;
        }
        stop();
        driver.releaseAll();
        try {
            leases.releaseAll().await().atMost(SHUTDOWN_WAIT);
        } catch (RuntimeException e) {
            LOG.warnf("Could not hand over this replica's leases (they run out instead): %s", e.getMessage());
        }
    }

    /** Scans now, then every renew interval. */
    void start() {
        if (timer < 0) {
            timer = vertx.setPeriodic(1, every.toMillis(), id -> keep());
        }
    }

    /** No more renewals or claims (the executions driven so far keep being driven until told otherwise). */
    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private void keep() {
        // Skip a tick while the previous one still runs; renewal and claim never overlap.
        if (!busy.compareAndSet(false, true)) {
            return;
        }
        // Taken before the renewal is sent: an execution that begins meanwhile is not mistaken for a lost one.
        Set<UUID> driving = driver.driven();
        leases.renew()
                .invoke(held -> driving.stream().filter(id -> !held.contains(id)).forEach(driver::release))
                .chain(leases::claimExpired)
                .invoke(claimed -> claimed.forEach(driver::reattach))
                .eventually(() -> busy.set(false))
                .subscribe().with(claimed -> {
                }, failure -> LOG.warnf("Could not renew or claim execution leases (driving on as before): %s",
                        failure.getMessage()));
    }
}
