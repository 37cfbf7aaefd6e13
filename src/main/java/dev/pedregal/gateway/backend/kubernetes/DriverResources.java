package dev.pedregal.gateway.backend.kubernetes;

import java.util.Map;
import java.util.Optional;

/**
 * How big a Kubernetes driver is and what it runs: filled from a cluster template (small, medium, ...) with
 * the team's overrides already applied and checked against the template's bounds.
 *
 * @param image Spark container image (Spark 4.x: it ships the Spark Connect server in {@code /opt/spark/jars})
 * @param sparkVersion Spark version of the image, e.g. {@code 4.0.1}
 * @param driverCores driver cores
 * @param driverMemory driver memory in Spark's notation, e.g. {@code 4g}
 * @param executorCores cores per executor
 * @param executorMemory memory per executor in Spark's notation
 * @param executorInstances executors at start
 * @param minExecutors lower bound under dynamic allocation
 * @param maxExecutors upper bound under dynamic allocation
 * @param dynamicAllocation whether executors scale between min and max
 * @param serviceAccount service account of the driver pod, when not the namespace default
 * @param sparkConf Spark configuration of the template (catalogs per environment, ...)
 */
public record DriverResources(String image, String sparkVersion, int driverCores, String driverMemory,
        int executorCores, String executorMemory, int executorInstances, int minExecutors, int maxExecutors,
        boolean dynamicAllocation, Optional<String> serviceAccount, Map<String, String> sparkConf) {

    public DriverResources {
        if (driverCores < 1 || executorCores < 1) {
            throw new IllegalArgumentException("driver and executor cores must be at least 1");
        }
        if (minExecutors < 0 || minExecutors > maxExecutors || executorInstances < 0) {
            throw new IllegalArgumentException("executors must satisfy 0 <= min <= max, instances >= 0; got min "
                    + minExecutors + ", max " + maxExecutors + ", instances " + executorInstances);
        }
        sparkConf = Map.copyOf(sparkConf);
    }

    /** The jar holding SparkConnectServer inside a Spark 4 image: the application's main resource. */
    public String connectJar() {
        return "local:///opt/spark/jars/spark-connect_2.13-" + sparkVersion + ".jar";
    }
}
