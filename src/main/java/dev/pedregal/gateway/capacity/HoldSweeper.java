package dev.pedregal.gateway.capacity;

import java.util.concurrent.atomic.AtomicBoolean;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * Reverses expired holds in every pool, periodically. Key expiry alone would not do: the slices' totals must
 * be decremented, which only the {@code sweep} function does (atomically, a bounded batch per call). A hold
 * past its TTL but not yet swept still counts, so a slow sweeper only ever under-admits.
 */
public final class HoldSweeper {

    private static final Logger LOG = Logger.getLogger(HoldSweeper.class);

    private final CapacityCalendar calendar;
    private final PoolCapacities pools;
    private final CapacityConfig config;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile long timer = -1;

    public HoldSweeper(CapacityCalendar calendar, PoolCapacities pools, CapacityConfig config) {
        this.calendar = calendar;
        this.pools = pools;
        this.config = config;
    }

    public void start(Vertx vertx) {
        timer = vertx.setPeriodic(config.sweepInterval().toMillis(), id -> {
            // Skip a tick while the previous sweep still runs.
            if (sweeping.compareAndSet(false, true)) {
                sweepAll().eventually(() -> sweeping.set(false)).subscribe().with(
                        reversed -> {
                            if (reversed > 0) {
                                LOG.debugf("reversed %d expired holds", reversed);
                            }
                        },
                        failure -> LOG.warnf("sweeping expired holds failed: %s", failure.getMessage()));
            }
        });
    }

    public void stop(Vertx vertx) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** One sweep of every pool (one batch each); answers how many holds were reversed. */
    public Uni<Integer> sweepAll() {
        return Multi.createFrom().iterable(pools.pools())
                .onItem().transformToUniAndConcatenate(calendar::sweep)
                .collect().with(java.util.stream.Collectors.summingInt(Integer::intValue));
    }
}
