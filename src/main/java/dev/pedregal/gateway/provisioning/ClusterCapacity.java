package dev.pedregal.gateway.provisioning;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.admission.CapacityDenied;
import dev.pedregal.gateway.admission.Reservations;
import dev.pedregal.gateway.capacity.Reservation;
import dev.pedregal.gateway.capacity.Resources;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * A cluster reserves its warm drivers at their largest size (driver and every executor) for its TTL, in the
 * capacity pool of its environment and region. A scale re-sizes the reservation (a growth the pool has no room for
 * refuses the scale), a TTL extension moves its end, and it is released when the cluster is deleted, expires or
 * fails. Which reservations a cluster holds is read from the ledger (their subject is the cluster id).
 */
@ApplicationScoped
public class ClusterCapacity {

    private static final Logger LOG = Logger.getLogger(ClusterCapacity.class);
    private static final String KIND = "cluster";

    private final Reservations reservations;

    public ClusterCapacity(Reservations reservations) {
        this.reservations = reservations;
    }

    /** Reserves; fails with a 409 (no room) or 429 (room later, with Retry-After) problem, or 503 for Redis trouble. */
    Uni<Void> reserve(UUID id, String team, String environment, String region, ClusterShape shape, int warm,
            Instant from, Instant until) {
        String pool = pool(environment, region);
        if (pool == null || warm == 0) {
            return Uni.createFrom().voidItem();
        }
        return take(id, "cluster-" + id, team, pool, size(shape, warm), from, until);
    }

    /**
     * Re-sizes the cluster's reservations for {@code warm} warm drivers. Growing reserves the added drivers beside what
     * the cluster holds, from now to its expiry; a pool without room for them refuses the scale (409/429) and the
     * cluster stays as it was. Shrinking gives everything back and reserves the smaller size from now (it fits where
     * the larger did; should another request take the room meanwhile, the cluster keeps running and it is logged).
     */
    Uni<Void> resize(SparkCluster c, int warm) {
        String pool = pool(c.environment, c.region);
        if (pool == null) {
            return Uni.createFrom().voidItem();
        }
        Resources wanted = size(c.shape(), warm);
        return onCallersContext(reservations.heldBy(KIND, c.id.toString())).chain(held -> {
            Resources current = held.stream().map(Reservation::size).reduce(Resources.NONE, Resources::plus);
            if (current.equals(wanted)) {
                return Uni.createFrom().voidItem();
            }
            Instant now = Instant.now();
            String id = "cluster-" + c.id + "-" + now.toEpochMilli();
            if (wanted.vcpuMillis() >= current.vcpuMillis() && wanted.memoryMib() >= current.memoryMib()) {
                Resources added = new Resources(wanted.vcpuMillis() - current.vcpuMillis(), wanted.memoryMib() - current.memoryMib());
                return take(c.id, id, c.team, pool, added, now, c.expiresAt);
            }
            // Given back first, and only then the smaller size taken: both at once could not fit a full pool.
            Uni<Void> givenBack = Multi.createFrom().iterable(held)
                    .onItem().transformToUniAndConcatenate(r -> reservations.released(r.pool(), r.id(), "cluster " + c.name + " (scaled down)"))
                    .collect().last().replaceWithVoid();
            if (warm == 0) {
                return onCallersContext(givenBack);
            }
            return onCallersContext(givenBack).chain(() -> take(c.id, id, c.team, pool, wanted, Instant.now(), c.expiresAt))
                    .onFailure(ProvisioningFailure.CapacityShort.class).recoverWithUni(e -> {
                        LOG.warnf("Cluster %s runs without a reservation after scaling down: %s", c.name, e.getMessage());
                        return Uni.createFrom().voidItem();
                    });
        });
    }

    /** Gives back every reservation the cluster holds (no-op when it has none). */
    void release(SparkCluster c) {
        if (pool(c.environment, c.region) == null) {
            return;
        }
        String what = "cluster " + c.name;
        reservations.heldBy(KIND, c.id.toString()).subscribe().with(held -> release(held, what),
                failure -> LOG.warnf("Could not read the reservations of %s to release them: %s", what, failure.getMessage()));
    }

    /** Moves the end of the cluster's reservations to its new expiry; a pool without room leaves them where they were (logged). */
    Uni<Void> extend(SparkCluster c) {
        if (pool(c.environment, c.region) == null) {
            return Uni.createFrom().voidItem();
        }
        return onCallersContext(reservations.heldBy(KIND, c.id.toString())
                .onItem().transformToMulti(held -> Multi.createFrom().iterable(held))
                .onItem().transformToUniAndConcatenate(r -> reservations.extend(r, c.expiresAt).invoke(extended -> {
                    if (extended.isEmpty()) {
                        LOG.warnf("Cluster %s runs past its reservation: the pool has no room until %s", c.name, c.expiresAt);
                    }
                }))
                .collect().last()
                .replaceWithVoid());
    }

    private Uni<Void> take(UUID cluster, String id, String team, String pool, Resources size, Instant from, Instant until) {
        return onCallersContext(reservations.reserve(KIND, cluster.toString(), id, team, pool, size, from, until).replaceWithVoid())
                .onFailure(CapacityDenied.class).transform(e -> {
                    CapacityDenied denied = (CapacityDenied) e;
                    return new ProvisioningFailure.CapacityShort(denied.getMessage(), denied.retryAfter());
                });
    }

    private void release(List<Reservation> held, String what) {
        held.forEach(r -> reservations.release(r.pool(), r.id(), what));
    }

    /** Redis and the ledger answer on their own threads; a Hibernate Reactive session must continue on its own. */
    private static <T> Uni<T> onCallersContext(Uni<T> uni) {
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        return context == null ? uni : uni.emitOn(task -> context.runOnContext(ignored -> task.run()));
    }

    private String pool(String environment, String region) {
        return reservations.enabled() ? reservations.poolFor(environment, region)
                .or(() -> reservations.poolFor(environment, null)).orElse(null) : null;
    }

    private static Resources size(ClusterShape shape, int warm) {
        return new Resources(shape.vcpuPerDriver() * 1000L, shape.memoryMibPerDriver()).times(warm);
    }
}
