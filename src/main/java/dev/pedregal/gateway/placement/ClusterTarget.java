package dev.pedregal.gateway.placement;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor;
import dev.pedregal.gateway.config.ClustersConfig;

/**
 * A place drivers can run: the embedded local backend, or one Kubernetes cluster.
 *
 * @param name unique name, used in metrics and labels
 * @param region where it is; selection prefers the caller's region
 * @param environments environments it serves; empty serves all
 * @param kind local processes or Kubernetes
 * @param context kubeconfig context of its API server; empty means in-cluster (the pod's service account)
 * @param flavor the Spark operator it runs (Kubernetes only)
 * @param weight share of new drivers among equally preferred clusters: load is compared as drivers / weight
 * @param priority lower is preferred; a higher value is used only when all lower ones are unhealthy
 * @param gatewayNamespace namespace of the gateway's pods on this cluster, allowed to reach drivers
 */
public record ClusterTarget(String name, String region, Set<String> environments, Kind kind, Optional<String> context,
        SparkOperatorFlavor flavor, int weight, int priority, String gatewayNamespace) {

    public enum Kind {
        LOCAL,
        KUBERNETES
    }

    /** The implicit target when no cluster is configured: local processes serving every environment. */
    public static final ClusterTarget LOCAL = new ClusterTarget("local", "local", Set.of(), Kind.LOCAL, Optional.empty(),
            SparkOperatorFlavor.KUBEFLOW_V1BETA2, 1, 0, "");

    public ClusterTarget {
        environments = Set.copyOf(environments);
        if (weight < 1) {
            throw new IllegalArgumentException("cluster " + name + ": weight must be at least 1, was " + weight);
        }
    }

    public boolean serves(String environment) {
        return environments.isEmpty() || environments.contains(environment);
    }

    /** The configured targets, or the implicit {@link #LOCAL} one when none is configured. */
    public static List<ClusterTarget> fromConfig(ClustersConfig config) {
        if (config.targets().isEmpty()) {
            return List.of(LOCAL);
        }
        return config.targets().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new ClusterTarget(e.getKey(), e.getValue().region(),
                        e.getValue().environments().orElse(Set.of()), e.getValue().kind(), e.getValue().context(),
                        e.getValue().flavor(), e.getValue().weight(), e.getValue().priority(),
                        e.getValue().gatewayNamespace()))
                .toList();
    }
}
