package dev.pedregal.gateway.jobs.kubernetes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.pedregal.gateway.backend.kubernetes.SparkConnectCluster;
import dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor;
import dev.pedregal.gateway.jobs.JobSpec;
import dev.pedregal.gateway.jobs.RunRequest;
import dev.pedregal.gateway.placement.PoolKey;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;

/**
 * The SparkApplication of one attempt of a batch job, in the team's namespace {@code sjns-<team>-<env>}, named
 * {@link RunRequest#runName()}. The operator never restarts it ({@code restartPolicy: Never}): retries are the
 * gateway's, so that each failure can be classified first. It carries no secret: the resolver refuses Spark
 * configuration naming secrets, and nothing is added here.
 */
public final class BatchApplication {

    public static final String JOB = "pedregal.dev/job";
    public static final String EXECUTION = "pedregal.dev/execution";
    public static final String ATTEMPT = "pedregal.dev/attempt";
    /** The execution id in full (a label value is limited to 63 characters); the idempotency check reads it. */
    public static final String EXECUTION_ID = "pedregal.dev/execution-id";
    /** Spark's own label on the driver pod. */
    public static final String SPARK_ROLE = "spark-role";

    private BatchApplication() {
    }

    public static String namespace(RunRequest run) {
        return new PoolKey(run.team(), run.job().spec().environment()).namespace();
    }

    /** Labels of the application and of its driver and executor pods. */
    public static Map<String, String> labels(RunRequest run) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(SparkConnectCluster.MANAGED_BY, SparkConnectCluster.MANAGER);
        labels.put(SparkConnectCluster.TEAM, run.team());
        labels.put(SparkConnectCluster.ENVIRONMENT, run.job().spec().environment());
        labels.put(JOB, run.job().spec().name());
        labels.put(EXECUTION, labelValue(run.executionId()));
        labels.put(ATTEMPT, Integer.toString(run.attempt()));
        return labels;
    }

    public static GenericKubernetesResource build(SparkOperatorFlavor flavor, RunRequest run, BatchSettings settings) {
        Map<String, Object> spec = switch (flavor) {
            case KUBEFLOW_V1BETA2 -> kubeflowSpec(run, settings);
            case APACHE_V1 -> apacheSpec(run, settings);
        };
        return new GenericKubernetesResourceBuilder()
                .withApiVersion(flavor.apiVersion())
                .withKind(SparkOperatorFlavor.KIND)
                .withNewMetadata()
                .withName(run.runName())
                .withNamespace(namespace(run))
                .withLabels(labels(run))
                .withAnnotations(Map.of(EXECUTION_ID, run.executionId()))
                .endMetadata()
                .withAdditionalProperties(Map.of("spec", spec))
                .build();
    }

    /** Whether a stored application is this run's: same execution id and attempt. */
    static boolean isRun(GenericKubernetesResource application, RunRequest run) {
        return run.executionId().equals(annotation(application, EXECUTION_ID))
                && Integer.toString(run.attempt()).equals(label(application, ATTEMPT));
    }

    /** The id of the execution the application ran an attempt of; empty when it carries none. */
    static String executionId(GenericKubernetesResource application) {
        return annotation(application, EXECUTION_ID);
    }

    static String describeRun(GenericKubernetesResource application) {
        return annotation(application, EXECUTION_ID) + " attempt " + label(application, ATTEMPT);
    }

    private static Map<String, Object> kubeflowSpec(RunRequest run, BatchSettings settings) {
        JobSpec job = run.job().spec();
        JobSpec.Pod d = job.resources().driver();
        JobSpec.Executors e = job.resources().executor();
        Map<String, Object> driver = new LinkedHashMap<>();
        putSet(driver, "cores", d.cores());
        putSet(driver, "memory", d.memory());
        driver.put("labels", labels(run));
        settings.driverServiceAccount().ifPresent(sa -> driver.put("serviceAccount", sa));
        Map<String, Object> executor = new LinkedHashMap<>();
        putSet(executor, "cores", e.cores());
        putSet(executor, "memory", e.memory());
        putSet(executor, "instances", e.instances());
        executor.put("labels", labels(run));
        Map<String, Object> spec = new LinkedHashMap<>();
        if (job.python()) {
            spec.put("type", "Python");
            spec.put("pythonVersion", "3");
        } else {
            spec.put("type", "Scala"); // the operator's type for every JVM application
            spec.put("mainClass", job.mainClass());
        }
        spec.put("mode", "cluster");
        spec.put("image", run.job().image());
        spec.put("sparkVersion", run.job().release().sparkVersion());
        spec.put("mainApplicationFile", job.applicationFile());
        if (!job.arguments().isEmpty()) {
            spec.put("arguments", List.copyOf(job.arguments()));
        }
        spec.put("restartPolicy", Map.of("type", "Never"));
        spec.put("sparkConf", new TreeMap<>(run.job().sparkConf()));
        spec.put("driver", driver);
        spec.put("executor", executor);
        if (e.dynamicAllocation()) {
            Map<String, Object> dynamic = new LinkedHashMap<>();
            dynamic.put("enabled", true);
            putSet(dynamic, "initialExecutors", e.instances());
            dynamic.put("minExecutors", e.minInstances());
            dynamic.put("maxExecutors", e.maxInstances());
            spec.put("dynamicAllocation", dynamic);
        }
        return spec;
    }

    private static Map<String, Object> apacheSpec(RunRequest run, BatchSettings settings) {
        JobSpec job = run.job().spec();
        JobSpec.Pod d = job.resources().driver();
        JobSpec.Executors e = job.resources().executor();
        // The Apache operator takes the image and sizes as Spark configuration, labels through pod templates.
        Map<String, String> conf = new TreeMap<>(run.job().sparkConf());
        conf.put("spark.kubernetes.container.image", run.job().image());
        putConf(conf, "spark.driver.cores", d.cores());
        putConf(conf, "spark.driver.memory", d.memory());
        putConf(conf, "spark.executor.cores", e.cores());
        putConf(conf, "spark.executor.memory", e.memory());
        putConf(conf, "spark.executor.instances", e.instances());
        if (e.dynamicAllocation()) {
            conf.put("spark.dynamicAllocation.enabled", "true");
            conf.putIfAbsent("spark.dynamicAllocation.shuffleTracking.enabled", "true");
            putConf(conf, "spark.dynamicAllocation.initialExecutors", e.instances());
            conf.put("spark.dynamicAllocation.minExecutors", Integer.toString(e.minInstances()));
            conf.put("spark.dynamicAllocation.maxExecutors", Integer.toString(e.maxInstances()));
        }
        settings.driverServiceAccount()
                .ifPresent(sa -> conf.put("spark.kubernetes.authenticate.driver.serviceAccountName", sa));
        Map<String, Object> spec = new LinkedHashMap<>();
        if (job.python()) {
            spec.put("pyFiles", job.applicationFile());
        } else {
            spec.put("mainClass", job.mainClass());
            spec.put("jars", job.applicationFile());
        }
        if (!job.arguments().isEmpty()) {
            spec.put("driverArgs", List.copyOf(job.arguments()));
        }
        spec.put("runtimeVersions", Map.of("sparkVersion", run.job().release().sparkVersion()));
        spec.put("sparkConf", conf);
        // A failed attempt keeps its driver pod, so that its exit code, reason and log can be read; cleanup
        // deletes the application, and its pods with it.
        spec.put("applicationTolerations", Map.of("restartConfig", Map.of("restartPolicy", "Never"),
                "resourceRetainPolicy", "OnFailure"));
        Map<String, Object> podTemplate = Map.of("podTemplateSpec", Map.of("metadata", Map.of("labels", labels(run))));
        spec.put("driverSpec", podTemplate);
        spec.put("executorSpec", podTemplate);
        return spec;
    }

    /** Zero and empty mean "not set" in a JobSpec: the operator's default applies. */
    private static void putSet(Map<String, Object> map, String key, String value) {
        if (!value.isEmpty()) {
            map.put(key, value);
        }
    }

    private static void putSet(Map<String, Object> map, String key, int value) {
        if (value > 0) {
            map.put(key, value);
        }
    }

    private static void putConf(Map<String, String> conf, String key, String value) {
        if (!value.isEmpty()) {
            conf.put(key, value);
        }
    }

    private static void putConf(Map<String, String> conf, String key, int value) {
        if (value > 0) {
            conf.put(key, Integer.toString(value));
        }
    }

    /** A label value: at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric. */
    static String labelValue(String value) {
        String v = value.replaceAll("[^A-Za-z0-9._-]", "-");
        v = v.length() <= 63 ? v : v.substring(0, 63);
        return v.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    }

    static String label(GenericKubernetesResource application, String key) {
        Map<String, String> labels = application.getMetadata().getLabels();
        return labels == null ? "" : labels.getOrDefault(key, "");
    }

    private static String annotation(GenericKubernetesResource application, String key) {
        Map<String, String> annotations = application.getMetadata().getAnnotations();
        return annotations == null ? "" : annotations.getOrDefault(key, "");
    }
}
