package dev.pedregal.gateway.placement;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Picks the clusters a new driver may go to: the healthy ones serving the environment, those in the preferred
 * region first, then by priority (lower first), then by load (drivers placed per unit of weight). The whole
 * ordered list is returned so that a caller whose create fails moves on to the next. Only new drivers are
 * placed here: a bound session stays on its driver wherever that runs.
 *
 * <p>
 * Metrics: {@code pedregal_cluster_routing_total{cluster,outcome}} (outcome {@code preferred}, {@code failover},
 * or {@code none} with cluster {@code none}), {@code pedregal_cluster_failovers_total} (the cluster that would
 * be first if all were healthy is not).
 */
public final class ClusterSelector {

    private final List<ClusterTarget> targets;
    private final ClusterHealth health;
    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> load = new ConcurrentHashMap<>();
    private final Counter failovers;

    public ClusterSelector(List<ClusterTarget> targets, ClusterHealth health, MeterRegistry registry) {
        this.targets = List.copyOf(targets);
        this.health = health;
        this.registry = registry;
        targets.forEach(t -> load.put(t.name(), new AtomicInteger()));
        this.failovers = Counter.builder("pedregal.cluster.failovers")
                .description("New drivers sent past an unhealthy preferred cluster to the next one").register(registry);
    }

    /**
     * @param preferredRegion region to try first; {@code null} or blank for none
     * @return healthy clusters in the order to try; empty when none is healthy
     */
    public List<ClusterTarget> select(String environment, String preferredRegion) {
        Comparator<ClusterTarget> order = Comparator
                .comparing((ClusterTarget t) -> !Objects.equals(t.region(), preferredRegion))
                .thenComparingInt(ClusterTarget::priority)
                .thenComparingDouble(t -> (double) load(t.name()) / t.weight())
                .thenComparing(ClusterTarget::name);
        List<ClusterTarget> serving = targets.stream().filter(t -> t.serves(environment)).sorted(order).toList();
        List<ClusterTarget> healthy = serving.stream().filter(t -> health.healthy(t.name())).toList();
        if (healthy.isEmpty()) {
            routed("none", "none");
        } else if (healthy.get(0).equals(serving.get(0))) {
            routed(healthy.get(0).name(), "preferred");
        } else {
            failovers.increment();
            routed(healthy.get(0).name(), "failover");
        }
        return healthy;
    }

    /** A driver now runs on the cluster. */
    public void driverPlaced(String cluster) {
        load.computeIfAbsent(cluster, c -> new AtomicInteger()).incrementAndGet();
    }

    /** A driver of the cluster ended. */
    public void driverEnded(String cluster) {
        load.computeIfAbsent(cluster, c -> new AtomicInteger()).updateAndGet(n -> Math.max(0, n - 1));
    }

    public int load(String cluster) {
        AtomicInteger drivers = load.get(cluster);
        return drivers == null ? 0 : drivers.get();
    }

    private void routed(String cluster, String outcome) {
        Counter.builder("pedregal.cluster.routing").description("Cluster choices for new drivers, by outcome")
                .tag("cluster", cluster).tag("outcome", outcome).register(registry).increment();
    }
}
