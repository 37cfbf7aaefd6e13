package dev.pedregal.gateway.backend.kubernetes;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;

/**
 * The SparkApplication of one driver: a Spark Connect server on port 15002, in the cluster's namespace, with
 * its labels and owner. The pool's driver token is never written into it: Spark 4 reads the token from the
 * environment variable {@code SPARK_CONNECT_AUTHENTICATE_TOKEN} when {@code spark.connect.authenticate.token}
 * is unset ({@code Connect.getAuthenticateToken}), and Spark's own
 * {@code spark.kubernetes.driver.secretKeyRef.<ENV>=<secret>:<key>} puts that variable on the driver pod from
 * the cluster's Secret. That works the same under both operators (kubeflow's {@code driver.env} needs its
 * mutating webhook, which is not always installed).
 */
public final class DriverApplication {

    public static final String SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer";
    public static final String TOKEN_CONF = "spark.connect.authenticate.token";
    public static final String TOKEN_ENV = "SPARK_CONNECT_AUTHENTICATE_TOKEN";
    public static final String TOKEN_KEY = "token";
    public static final int CONNECT_PORT = 15002;
    /** Fixed so that the namespace's NetworkPolicy can let executors reach the driver on these ports only. */
    public static final int DRIVER_PORT = 7078;
    public static final int BLOCK_MANAGER_PORT = 7079;

    private DriverApplication() {
    }

    /**
     * @param poolConf Spark configuration from the pool ({@code DriverSpec.sparkConf}); its token is dropped
     */
    public static GenericKubernetesResource build(SparkOperatorFlavor flavor, SparkConnectCluster cluster,
            DriverResources resources, String driverId, Map<String, String> poolConf, OwnerReference owner) {
        Map<String, String> conf = new TreeMap<>(resources.sparkConf());
        conf.putAll(poolConf);
        conf.remove(TOKEN_CONF);
        conf.put("spark.connect.grpc.binding.port", Integer.toString(CONNECT_PORT));
        conf.put("spark.driver.port", Integer.toString(DRIVER_PORT));
        conf.put("spark.driver.blockManager.port", Integer.toString(BLOCK_MANAGER_PORT));
        conf.put("spark.kubernetes.driver.secretKeyRef." + TOKEN_ENV, cluster.tokenSecretName() + ":" + TOKEN_KEY);
        Map<String, Object> spec = switch (flavor) {
            case KUBEFLOW_V1BETA2 -> kubeflowSpec(cluster, resources, driverId, conf);
            case APACHE_V1 -> apacheSpec(cluster, resources, driverId, conf);
        };
        return new GenericKubernetesResourceBuilder()
                .withApiVersion(flavor.apiVersion())
                .withKind(SparkOperatorFlavor.KIND)
                .withNewMetadata()
                .withName(driverId)
                .withNamespace(cluster.namespace())
                .withLabels(cluster.driverLabels(driverId))
                .withOwnerReferences(owner)
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build();
    }

    private static Map<String, Object> kubeflowSpec(SparkConnectCluster cluster, DriverResources r, String driverId,
            Map<String, String> conf) {
        Map<String, Object> driver = new LinkedHashMap<>();
        driver.put("cores", r.driverCores());
        driver.put("memory", r.driverMemory());
        driver.put("labels", cluster.driverLabels(driverId));
        r.serviceAccount().ifPresent(sa -> driver.put("serviceAccount", sa));
        Map<String, Object> executor = new LinkedHashMap<>();
        executor.put("cores", r.executorCores());
        executor.put("memory", r.executorMemory());
        executor.put("instances", r.executorInstances());
        executor.put("labels", cluster.labels());
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("type", "Scala");
        spec.put("mode", "cluster");
        spec.put("image", r.image());
        spec.put("sparkVersion", r.sparkVersion());
        spec.put("mainClass", SERVER_CLASS);
        spec.put("mainApplicationFile", r.connectJar());
        // A driver that ends stays ended: the pool notices and starts another; a restart would lose its sessions.
        spec.put("restartPolicy", Map.of("type", "Never"));
        spec.put("sparkConf", conf);
        spec.put("driver", driver);
        spec.put("executor", executor);
        if (r.dynamicAllocation()) {
            spec.put("dynamicAllocation", Map.of("enabled", true, "initialExecutors", r.executorInstances(),
                    "minExecutors", r.minExecutors(), "maxExecutors", r.maxExecutors()));
        }
        return spec;
    }

    private static Map<String, Object> apacheSpec(SparkConnectCluster cluster, DriverResources r, String driverId,
            Map<String, String> conf) {
        // The Apache operator takes sizes as Spark configuration and labels through pod templates.
        conf.put("spark.kubernetes.container.image", r.image());
        conf.put("spark.driver.cores", Integer.toString(r.driverCores()));
        conf.put("spark.driver.memory", r.driverMemory());
        conf.put("spark.executor.cores", Integer.toString(r.executorCores()));
        conf.put("spark.executor.memory", r.executorMemory());
        conf.put("spark.executor.instances", Integer.toString(r.executorInstances()));
        conf.put("spark.dynamicAllocation.enabled", Boolean.toString(r.dynamicAllocation()));
        if (r.dynamicAllocation()) {
            conf.put("spark.dynamicAllocation.shuffleTracking.enabled", "true");
            conf.put("spark.dynamicAllocation.initialExecutors", Integer.toString(r.executorInstances()));
            conf.put("spark.dynamicAllocation.minExecutors", Integer.toString(r.minExecutors()));
            conf.put("spark.dynamicAllocation.maxExecutors", Integer.toString(r.maxExecutors()));
        }
        r.serviceAccount().ifPresent(sa -> conf.put("spark.kubernetes.authenticate.driver.serviceAccountName", sa));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("mainClass", SERVER_CLASS);
        spec.put("runtimeVersions", Map.of("sparkVersion", r.sparkVersion()));
        spec.put("sparkConf", conf);
        spec.put("applicationTolerations", Map.of("restartConfig", Map.of("restartPolicy", "Never"),
                "resourceRetainPolicy", "Never"));
        spec.put("driverSpec", podTemplate(cluster.driverLabels(driverId)));
        spec.put("executorSpec", podTemplate(cluster.labels()));
        return spec;
    }

    private static Map<String, Object> podTemplate(Map<String, String> labels) {
        return Map.of("podTemplateSpec", Map.of("metadata", Map.of("labels", labels)));
    }
}
