package dev.pedregal.gateway.backend.kubernetes;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.pedregal.gateway.placement.PoolKey;

/**
 * A team's provisioned Spark Connect cluster as seen on one Kubernetes cluster: its drivers live in the pool's
 * namespace, carry its labels, and are owned by one owner object, so that deleting the owner deletes them all.
 *
 * @param name the provisioned cluster's name (DNS-1123 label), unique within the namespace
 * @param pool the team and environment it serves
 */
public record SparkConnectCluster(String name, PoolKey pool) {

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "pedregal-gateway";
    public static final String TEAM = "pedregal.dev/team";
    public static final String ENVIRONMENT = "pedregal.dev/environment";
    public static final String CLUSTER = "pedregal.dev/cluster";
    public static final String DRIVER = "pedregal.dev/driver";

    public String namespace() {
        return pool.namespace();
    }

    /** ConfigMap every object of the cluster is owned by. */
    public String ownerName() {
        return "pedregal-cluster-" + name;
    }

    /** Secret holding the pool's driver token, read by the drivers from their environment. */
    public String tokenSecretName() {
        return ownerName() + "-token";
    }

    /** Labels of every object the gateway creates for a pool (team and environment). */
    public static Map<String, String> poolLabels(PoolKey pool) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY, MANAGER);
        labels.put(TEAM, pool.team());
        labels.put(ENVIRONMENT, pool.environment());
        return labels;
    }

    /** Labels of every object of this cluster. */
    public Map<String, String> labels() {
        Map<String, String> labels = poolLabels(pool);
        labels.put(CLUSTER, name);
        return labels;
    }

    /** Labels of one driver's objects: the SparkApplication and its driver pod. */
    public Map<String, String> driverLabels(String driverId) {
        Map<String, String> labels = labels();
        labels.put(DRIVER, driverId);
        return labels;
    }
}
