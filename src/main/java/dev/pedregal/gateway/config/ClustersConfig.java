package dev.pedregal.gateway.config;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor;
import dev.pedregal.gateway.placement.ClusterTarget;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

/**
 * Where drivers may run: {@code pedregal.clusters.<name>.<key>}, one entry per cluster, e.g.
 *
 * <pre>
 * pedregal.clusters.usw2-a.region=us-west-2
 * pedregal.clusters.usw2-a.environments=staging,prod
 * pedregal.clusters.usw2-a.context=prod-usw2-a
 * pedregal.clusters.usw2-a.flavor=apache-v1
 * </pre>
 *
 * With no entry, drivers run as local processes (one implicit target named {@code local}, serving every
 * environment). See {@link ClusterTarget}.
 */
@ConfigMapping(prefix = "pedregal.clusters")
public interface ClustersConfig {

    /** The clusters, keyed by name (a DNS-1123 label: it appears in Kubernetes labels and metrics). */
    @WithParentName
    Map<String, Cluster> targets();

    interface Cluster {

        /** Region of the cluster, e.g. {@code us-west-2}; selection prefers the caller's region. */
        String region();

        /** Environments it serves (dev, test, staging, prod); unset: all. */
        Optional<Set<String>> environments();

        /** {@code kubernetes}, or {@code local} for the embedded local-process backend. */
        @WithDefault("kubernetes")
        ClusterTarget.Kind kind();

        /** kubeconfig context of the cluster's API server; unset: in-cluster (the gateway pod's service account). */
        Optional<String> context();

        /** The Spark operator installed: {@code kubeflow-v1beta2} or {@code apache-v1}. */
        @WithDefault("kubeflow-v1beta2")
        SparkOperatorFlavor flavor();

        /** Share of new drivers among equally preferred clusters (load is drivers / weight). */
        @WithDefault("1")
        int weight();

        /** Lower is preferred; higher values take drivers only when every lower one is unhealthy. */
        @WithDefault("0")
        int priority();

        /** Namespace of the gateway's pods on this cluster: the only pods allowed to reach drivers on 15002. */
        @WithDefault("pedregal")
        String gatewayNamespace();
    }
}
