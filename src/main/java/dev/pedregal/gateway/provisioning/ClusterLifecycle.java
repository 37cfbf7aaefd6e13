package dev.pedregal.gateway.provisioning;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.identity.AuditLog;
import dev.pedregal.gateway.placement.DriverPool;
import dev.pedregal.gateway.placement.DriverPools;
import dev.pedregal.gateway.placement.PoolKey;
import dev.pedregal.gateway.placement.PoolSettings;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * What a cluster's state means for drivers: opening its pool when it is created (and again after a
 * gateway restart), resizing it, closing it when the cluster is deleted or its TTL ends, and moving the
 * stored state along as that happens. The TTL reaper lives here too: it claims expired clusters with
 * {@code SELECT … FOR UPDATE SKIP LOCKED}, so with several gateway replicas each cluster is reaped once.
 */
@ApplicationScoped
public class ClusterLifecycle {

    private static final Logger LOG = Logger.getLogger(ClusterLifecycle.class);
    private static final long READY_CHECK_MS = 500;
    /** Rows another replica is reaping are skipped, not waited for. */
    private static final String EXPIRED = "SELECT * FROM spark_cluster WHERE state IN ('REQUESTED', 'PROVISIONING', 'READY', "
            + "'SCALING') AND expires_at <= now() ORDER BY expires_at LIMIT 50 FOR UPDATE SKIP LOCKED";

    private final GatewayConfig config;
    private final ClusterCapacity capacity;
    private final DriverPools pools;
    private final AuditLog audit;
    private final Vertx vertx;
    private final ClusterPlacement placement;

    public ClusterLifecycle(GatewayConfig config, DriverPools pools, AuditLog audit, Vertx vertx,
            ClusterPlacement placement, ClusterCapacity capacity) {
        this.placement = placement;
        this.capacity = capacity;
        this.config = config;
        this.pools = pools;
        this.audit = audit;
        this.vertx = vertx;
    }

    /** Reopens the pools of clusters that were live when the gateway last stopped, finishes deletions, and starts the reaper. */
    public void start() {
        background("restore clusters", onContext -> Panache.withSession(() -> SparkCluster.<SparkCluster> list("state in ?1",
                List.of(ClusterState.REQUESTED, ClusterState.PROVISIONING, ClusterState.READY, ClusterState.SCALING,
                        ClusterState.DELETING)))
                .invoke(clusters -> clusters.forEach(c -> {
                    if (c.state == ClusterState.DELETING) {
                        delete(c, "cluster '" + c.name + "' was deleted");
                    } else {
                        provision(c);
                    }
                })));
        vertx.setPeriodic(config.provisioning().reapInterval().toMillis(), id -> reap());
    }

    /** Places the cluster, opens its pool and marks it READY once its warm drivers are up. */
    public void provision(SparkCluster cluster) {
        PoolKey key = key(cluster);
        background("provision " + cluster.name, onContext -> placement.place(cluster).emitOn(onContext)
                .onFailure().invoke(() -> capacity.release(cluster))
                .onFailure().call(f -> transition(cluster.id, ClusterState.FAILED, f.getMessage(), null))
                .flatMap(placed -> {
                    DriverPool pool = pools.open(key, settings(cluster, placed.backend()));
                    return transition(cluster.id, ClusterState.PROVISIONING, null, placed.target())
                            .flatMap(c -> readyOrFailed(cluster, pool, onContext));
                }));
    }

    /** Applies new pool sizes and marks the cluster READY once its warm drivers are up. */
    public void scale(SparkCluster cluster) {
        DriverPool pool = pools.cluster(cluster.name);
        if (pool == null) {
            provision(cluster);
            return;
        }
        pool.resize(cluster.warmDrivers, cluster.minDrivers, cluster.maxDrivers);
        background("scale " + cluster.name, onContext -> readyOrFailed(cluster, pool, onContext));
    }

    /**
     * READY once the pool's warm drivers answer; FAILED, with the pool closed, at the ready timeout. A pool closed
     * meanwhile (the cluster was deleted or expired) leaves the cluster to whoever closed it.
     */
    private Uni<SparkCluster> readyOrFailed(SparkCluster cluster, DriverPool pool, Executor onContext) {
        return warm(pool, cluster.warmDrivers).flatMap(ready -> ready
                ? transition(cluster.id, ClusterState.READY, null, null)
                : pool.closed() ? Uni.createFrom().item(cluster)
                : failed(cluster, onContext, "its " + cluster.warmDrivers + " warm drivers did not start within "
                        + config.provisioning().readyTimeout().toSeconds() + " s"));
    }

    /** Stops the cluster's drivers, tells its sessions why at their next call, and marks it DELETED. */
    public void delete(SparkCluster cluster, String reason) {
        background("delete " + cluster.name, onContext -> pools.close(key(cluster), reason)
                .call(() -> placement.release(cluster.name)).emitOn(onContext)
                .flatMap(v -> Panache.withTransaction(() -> SparkCluster.<SparkCluster> findById(cluster.id)
                        .invoke(c -> {
                            c.moveTo(ClusterState.DELETED, reason);
                            c.deletedAt = Instant.now();
                            capacity.release(c);
                        }))));
    }

    /** The API view of a stored cluster, with its live driver count. */
    public ClusterApi.Cluster view(SparkCluster c) {
        DriverPool pool = c.state.live() ? pools.cluster(c.name) : null;
        return new ClusterApi.Cluster(c.id, c.name, c.team, c.environment, c.region, c.template, c.state.name(), c.reason,
                "sc://" + c.name + "." + config.provisioning().baseDomain() + ":15002", c.target, c.shape(),
                c.warmDrivers, c.minDrivers, c.maxDrivers, pool == null ? null : (int) pool.readyDrivers(), c.createdBy,
                c.createdAt, c.updatedAt, c.expiresAt, c.deletedAt);
    }

    /** Deletes every cluster whose TTL has ended; each is claimed by exactly one gateway replica. */
    void reap() {
        background("reap expired clusters", onContext -> Panache.withTransaction(() -> Panache.getSession()
                .flatMap(session -> session.createNativeQuery(EXPIRED, SparkCluster.class).getResultList())
                .invoke(expired -> expired.forEach(c -> c.moveTo(ClusterState.DELETING,
                        "TTL ended at " + c.expiresAt))))
                .invoke(expired -> expired.forEach(c -> {
                    LOG.infof("Cluster %s (%s) expired at %s: deleting", c.name, c.id, c.expiresAt);
                    audit.record("reaper", key(c), "pedregal-reaper", null, null, "cluster_expire", "ok",
                            "TTL ended at " + c.expiresAt + " (cluster " + c.id + ")");
                    delete(c, "cluster '" + c.name + "' expired: its TTL ended at " + c.expiresAt
                            + "; extend a cluster's TTL with POST /api/v1/clusters/{id}/ttl before it ends");
                })));
    }

    private Uni<SparkCluster> failed(SparkCluster cluster, Executor onContext, String reason) {
        LOG.warnf("Cluster %s failed: %s", cluster.name, reason);
        capacity.release(cluster);
        return pools.close(key(cluster), "cluster '" + cluster.name + "' failed: " + reason).emitOn(onContext)
                .flatMap(v -> transition(cluster.id, ClusterState.FAILED, reason, null));
    }

    /** Completes with true once the pool has {@code warm} ready drivers, false at the ready timeout. */
    private Uni<Boolean> warm(DriverPool pool, int warm) {
        long deadline = System.nanoTime() + config.provisioning().readyTimeout().toNanos();
        return Uni.createFrom().emitter(emitter -> check(pool, warm, deadline, emitter::complete));
    }

    private void check(DriverPool pool, int warm, long deadline, java.util.function.Consumer<Boolean> done) {
        if (pool.readyDrivers() >= warm) {
            done.accept(true);
        } else if (pool.closed() || System.nanoTime() > deadline) {
            done.accept(false);
        } else {
            vertx.setTimer(READY_CHECK_MS, t -> check(pool, warm, deadline, done));
        }
    }

    /** Moves a live cluster to a new state; a cluster deleted meanwhile stays deleted. */
    private Uni<SparkCluster> transition(UUID id, ClusterState next, String reason, String target) {
        return Panache.withTransaction(() -> SparkCluster.<SparkCluster> findById(id).invoke(c -> {
            if (c != null && c.state.live()) {
                c.moveTo(next, reason);
                if (target != null) {
                    c.target = target;
                }
            }
        }));
    }

    private PoolSettings settings(SparkCluster c, dev.pedregal.gateway.backend.DriverBackend backend) {
        return new PoolSettings(c.warmDrivers, c.minDrivers, c.maxDrivers, c.shape().driverConf(), backend);
    }

    static PoolKey key(SparkCluster c) {
        return PoolKey.ofCluster(c.team, c.environment, c.name);
    }

    /** Runs database work off the request path, on a context of its own. */
    private <T> void background(String what, Function<Executor, Uni<T>> work) {
        // Hibernate Reactive needs a duplicated context marked safe, one per unit of work; work that waits on
        // drivers (their backends answer on other threads) comes back to it through the executor.
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        Executor onContext = task -> context.runOnContext(v -> task.run());
        context.runOnContext(v -> work.apply(onContext).subscribe().with(item -> {
        }, failure -> LOG.warnf("Could not %s: %s", what, failure.getMessage())));
    }
}
