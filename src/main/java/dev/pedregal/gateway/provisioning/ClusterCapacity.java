package dev.pedregal.gateway.provisioning;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.admission.CapacityDenied;
import dev.pedregal.gateway.admission.Reservations;
import dev.pedregal.gateway.capacity.Reservation;
import dev.pedregal.gateway.capacity.Resources;
import io.smallrye.mutiny.Uni;

/**
 * A cluster reserves its warm drivers at their largest size (driver and every executor) for its TTL, in the
 * capacity pool of its environment and region. The reservation is released when the cluster is deleted, expires
 * or fails, and follows a TTL extension. (A scale does not change the reservation: it is sized at creation.)
 */
@ApplicationScoped
public class ClusterCapacity {

    private static final Logger LOG = Logger.getLogger(ClusterCapacity.class);

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
        return onCallersContext(reservations.reserve("cluster", id.toString(), id(id), team, pool, size(shape, warm),
                from, until).replaceWithVoid())
                .onFailure(CapacityDenied.class).transform(e -> {
                    CapacityDenied denied = (CapacityDenied) e;
                    return new ProvisioningFailure.CapacityShort(denied.getMessage(), denied.retryAfter());
                });
    }

    /** Gives the cluster's reservation back (no-op when it had none). */
    void release(SparkCluster c) {
        String pool = pool(c.environment, c.region);
        if (pool != null) {
            reservations.release(pool, id(c.id), "cluster " + c.name);
        }
    }

    /** Moves the reservation's end to the cluster's new expiry; a pool without room leaves it where it was (logged). */
    Uni<Void> extend(SparkCluster c, Instant previousEnd) {
        String pool = pool(c.environment, c.region);
        if (pool == null || c.warmDrivers == 0) {
            return Uni.createFrom().voidItem();
        }
        Reservation r = new Reservation(id(c.id), c.team, pool, size(c.shape(), c.warmDrivers), c.createdAt, previousEnd);
        return onCallersContext(reservations.extend(r, c.expiresAt).invoke(extended -> {
            if (extended.isEmpty()) {
                LOG.warnf("Cluster %s runs past its reservation: the pool has no room until %s", c.name, c.expiresAt);
            }
        }).replaceWithVoid());
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

    private static String id(UUID cluster) {
        return "cluster-" + cluster;
    }

}
