package dev.pedregal.gateway.placement;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.config.ClusterHealthConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

/**
 * Whether each cluster may take new drivers, judged two ways (Envoy's habit):
 * <ul>
 * <li><b>active</b>: every interval, the cluster's {@link ClusterProbe} (API server {@code /readyz}, the Spark
 * operator's CRD present); {@code unhealthy-threshold} consecutive failures make it UNHEALTHY, one good check
 * makes it HEALTHY again; a missing CRD makes it UNUSABLE at once, with the reason;</li>
 * <li><b>passive</b>: callers report failed and successful API calls or forwards; {@code passive-threshold}
 * consecutive failures make it UNHEALTHY until its next good active check.</li>
 * </ul>
 * Clusters without a probe (the local backend) are always healthy. Publishes {@code pedregal_cluster_healthy}.
 */
public final class ClusterHealth implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ClusterHealth.class);

    public enum State {
        HEALTHY,
        UNHEALTHY,
        UNUSABLE
    }

    /** A cluster's state, why, and since when. */
    public record Status(State state, String reason, Instant since) {
    }

    private final Map<String, Tracked> clusters = new LinkedHashMap<>();
    private final Map<String, ClusterProbe> probes;
    private final ClusterHealthConfig config;
    private final ScheduledExecutorService scheduler;
    private ScheduledFuture<?> timer;

    /**
     * @param probes active checks by cluster name; clusters without one are always healthy
     * @param scheduler only triggers the checks, which are asynchronous
     */
    public ClusterHealth(List<ClusterTarget> targets, Map<String, ClusterProbe> probes, ClusterHealthConfig config,
            MeterRegistry registry, ScheduledExecutorService scheduler) {
        this.probes = Map.copyOf(probes);
        this.config = config;
        this.scheduler = scheduler;
        for (ClusterTarget target : targets) {
            Tracked tracked = new Tracked(target.name());
            clusters.put(target.name(), tracked);
            Gauge.builder("pedregal.cluster.healthy", tracked, t -> t.status.state() == State.HEALTHY ? 1 : 0)
                    .description("1 while the cluster takes new drivers, 0 while it is unhealthy or unusable")
                    .tag("cluster", target.name()).register(registry);
        }
    }

    /** Checks every cluster now, then every interval. */
    public synchronized void start() {
        if (timer == null) {
            long interval = config.interval().toMillis();
            timer = scheduler.scheduleAtFixedRate(() -> checkAll().subscribe().with(v -> {
            }, t -> LOG.warn("Cluster health check failed", t)), 0, interval, TimeUnit.MILLISECONDS);
        }
    }

    /** Runs one active check of every cluster that has a probe; completes when all have answered. */
    public Uni<Void> checkAll() {
        List<Uni<Void>> checks = probes.entrySet().stream()
                .filter(e -> clusters.containsKey(e.getKey()))
                .map(e -> check(clusters.get(e.getKey()), e.getValue()))
                .toList();
        return checks.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(checks).andCollectFailures().replaceWithVoid();
    }

    public Status status(String cluster) {
        Tracked tracked = clusters.get(cluster);
        return tracked == null ? new Status(State.UNUSABLE, "unknown cluster " + cluster, Instant.EPOCH) : tracked.status;
    }

    public boolean healthy(String cluster) {
        return status(cluster).state() == State.HEALTHY;
    }

    /** A caller's API call or forward to the cluster failed (after its retries). */
    public void reportFailure(String cluster, String reason) {
        Tracked tracked = clusters.get(cluster);
        if (tracked != null) {
            tracked.passiveFailure(reason);
        }
    }

    /** A caller's API call or forward to the cluster succeeded. */
    public void reportSuccess(String cluster) {
        Tracked tracked = clusters.get(cluster);
        if (tracked != null) {
            tracked.passiveSuccess();
        }
    }

    private Uni<Void> check(Tracked tracked, ClusterProbe probe) {
        Duration timeout = config.timeout();
        return Uni.createFrom().deferred(probe::probe)
                .ifNoItem().after(timeout).recoverWithItem(
                        () -> ClusterProbe.Result.unhealthy("no answer to the health check within " + timeout))
                .onFailure().recoverWithItem(t -> ClusterProbe.Result.unhealthy("health check failed: " + t.getMessage()))
                .invoke(tracked::checked)
                .replaceWithVoid();
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private final class Tracked {
        private final String name;
        private volatile Status status = new Status(State.HEALTHY, "not checked yet", Instant.now());
        private int failedChecks;
        private int failedCalls;

        Tracked(String name) {
            this.name = name;
        }

        synchronized void checked(ClusterProbe.Result result) {
            switch (result.state()) {
                case HEALTHY -> {
                    failedChecks = 0;
                    failedCalls = 0;
                    move(State.HEALTHY, result.reason());
                }
                case UNUSABLE -> move(State.UNUSABLE, result.reason());
                case UNHEALTHY -> {
                    if (++failedChecks >= config.unhealthyThreshold()) {
                        move(State.UNHEALTHY, result.reason());
                    }
                }
            }
        }

        synchronized void passiveFailure(String reason) {
            if (++failedCalls >= config.passiveThreshold() && status.state() == State.HEALTHY) {
                move(State.UNHEALTHY, failedCalls + " consecutive failed calls, last: " + reason);
            }
        }

        synchronized void passiveSuccess() {
            failedCalls = 0;
        }

        private void move(State state, String reason) {
            if (status.state() != state) {
                LOG.infof("Cluster %s is now %s: %s", name, state, reason);
                status = new Status(state, reason, Instant.now());
            } else if (!status.reason().equals(reason) && state != State.HEALTHY) {
                status = new Status(state, reason, status.since());
            }
        }
    }
}
