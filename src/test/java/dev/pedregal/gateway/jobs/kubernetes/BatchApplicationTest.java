package dev.pedregal.gateway.jobs.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor;
import dev.pedregal.gateway.jobs.EngineRelease;
import dev.pedregal.gateway.jobs.JobSpec;
import dev.pedregal.gateway.jobs.ResolvedJob;
import dev.pedregal.gateway.jobs.RetryPolicy;
import dev.pedregal.gateway.jobs.RunRequest;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;

class BatchApplicationTest {

    static final String EXECUTION = "7f3c9a2e-1b4d-4c6e-9f00-123456789abc";
    static final String NS = "sjns-feature-engineering-prod";
    static final String IMAGE = "registry.pedregal.dev/spark-platform/4.0-oss:4.0.1-r3";
    static final BatchSettings SETTINGS = new BatchSettings(Optional.of("spark-jobs"), 20, Duration.ofMillis(100));

    static JobSpec spec(String mainClass, String file, JobSpec.Executors executors) {
        return new JobSpec("user-features-daily", "feature-engineering", "fe@pedregal.dev", "prod",
                new JobSpec.Engine("", "4.0", ""), new JobSpec.Resources(new JobSpec.Pod(2, "4g"), executors),
                Map.of("spark.sql.shuffle.partitions", "64"), mainClass, file, List.of("--date", "2025-01-01"), null,
                null, null, Map.of());
    }

    static ResolvedJob resolved(JobSpec spec) {
        return new ResolvedJob(spec, EngineRelease.current("spark-oss", "4.0", "4.0.1", IMAGE), IMAGE,
                Map.of("spark.sql.shuffle.partitions", "64", "spark.eventLog.enabled", "true"), Duration.ofHours(4),
                RetryPolicy.DEFAULT, List.of());
    }

    static RunRequest run(String executionId, int attempt, JobSpec spec) {
        return new RunRequest(executionId, attempt, "feature-engineering", "k8s-a", resolved(spec));
    }

    /** A JVM job with dynamic allocation. */
    static final RunRequest JVM = run(EXECUTION, 1, spec("com.acme.etl.Main", "local:///opt/app/etl.jar",
            new JobSpec.Executors(4, "8g", 2, 1, 10)));
    /** A Python job with a fixed number of executors. */
    static final RunRequest PYTHON = run(EXECUTION, 2, spec("", "s3a://jobs/etl.py",
            new JobSpec.Executors(1, "2g", 3, 0, 0)));

    static final String METADATA = """
            metadata:
              name: user-features-daily-7f3c9a2e-1
              namespace: sjns-feature-engineering-prod
              labels: &labels
                app.kubernetes.io/managed-by: pedregal-gateway
                pedregal.dev/team: feature-engineering
                pedregal.dev/environment: prod
                pedregal.dev/job: user-features-daily
                pedregal.dev/execution: 7f3c9a2e-1b4d-4c6e-9f00-123456789abc
                pedregal.dev/attempt: "1"
              annotations:
                pedregal.dev/execution-id: 7f3c9a2e-1b4d-4c6e-9f00-123456789abc
            """;

    static final String KUBEFLOW = "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\n" + METADATA + """
            spec:
              type: Scala
              mainClass: com.acme.etl.Main
              mode: cluster
              image: registry.pedregal.dev/spark-platform/4.0-oss:4.0.1-r3
              sparkVersion: 4.0.1
              mainApplicationFile: local:///opt/app/etl.jar
              arguments: ["--date", "2025-01-01"]
              restartPolicy:
                type: Never
              sparkConf:
                spark.eventLog.enabled: "true"
                spark.sql.shuffle.partitions: "64"
              driver:
                cores: 2
                memory: 4g
                labels: *labels
                serviceAccount: spark-jobs
              executor:
                cores: 4
                memory: 8g
                instances: 2
                labels: *labels
              dynamicAllocation:
                enabled: true
                initialExecutors: 2
                minExecutors: 1
                maxExecutors: 10
            """;

    static final String APACHE = "apiVersion: spark.apache.org/v1\nkind: SparkApplication\n" + METADATA + """
            spec:
              mainClass: com.acme.etl.Main
              jars: local:///opt/app/etl.jar
              driverArgs: ["--date", "2025-01-01"]
              runtimeVersions:
                sparkVersion: 4.0.1
              sparkConf:
                spark.eventLog.enabled: "true"
                spark.sql.shuffle.partitions: "64"
                spark.kubernetes.container.image: registry.pedregal.dev/spark-platform/4.0-oss:4.0.1-r3
                spark.driver.cores: "2"
                spark.driver.memory: 4g
                spark.executor.cores: "4"
                spark.executor.memory: 8g
                spark.executor.instances: "2"
                spark.dynamicAllocation.enabled: "true"
                spark.dynamicAllocation.shuffleTracking.enabled: "true"
                spark.dynamicAllocation.initialExecutors: "2"
                spark.dynamicAllocation.minExecutors: "1"
                spark.dynamicAllocation.maxExecutors: "10"
                spark.kubernetes.authenticate.driver.serviceAccountName: spark-jobs
              applicationTolerations:
                restartConfig:
                  restartPolicy: Never
                resourceRetainPolicy: OnFailure
              driverSpec:
                podTemplateSpec:
                  metadata:
                    labels: *labels
              executorSpec:
                podTemplateSpec:
                  metadata:
                    labels: *labels
            """;

    static GenericKubernetesResource expected(SparkOperatorFlavor flavor) {
        return Serialization.unmarshal(flavor == SparkOperatorFlavor.KUBEFLOW_V1BETA2 ? KUBEFLOW : APACHE,
                GenericKubernetesResource.class);
    }

    @ParameterizedTest
    @EnumSource(SparkOperatorFlavor.class)
    void aJvmJobIsExactlyTheExpectedApplication(SparkOperatorFlavor flavor) {
        assertEquals(expected(flavor), BatchApplication.build(flavor, JVM, SETTINGS));
    }

    @Test
    void aPythonJobRunsItsFileWithoutAMainClassAndWithFixedExecutors() {
        Map<String, Object> kubeflow = spec(BatchApplication.build(SparkOperatorFlavor.KUBEFLOW_V1BETA2, PYTHON, SETTINGS));
        assertEquals("Python", kubeflow.get("type"));
        assertEquals("3", kubeflow.get("pythonVersion"));
        assertEquals("s3a://jobs/etl.py", kubeflow.get("mainApplicationFile"));
        assertFalse(kubeflow.containsKey("mainClass"));
        assertFalse(kubeflow.containsKey("dynamicAllocation"));
        assertEquals(Map.of("type", "Never"), kubeflow.get("restartPolicy"));

        Map<String, Object> apache = spec(BatchApplication.build(SparkOperatorFlavor.APACHE_V1, PYTHON, SETTINGS));
        assertEquals("s3a://jobs/etl.py", apache.get("pyFiles"));
        assertFalse(apache.containsKey("mainClass"));
        assertFalse(apache.containsKey("jars"));
        @SuppressWarnings("unchecked")
        Map<String, String> conf = (Map<String, String>) apache.get("sparkConf");
        assertEquals("3", conf.get("spark.executor.instances"));
        assertFalse(conf.containsKey("spark.dynamicAllocation.enabled"), "the environment's setting is left alone");
        assertEquals("2", BatchApplication.build(SparkOperatorFlavor.APACHE_V1, PYTHON, SETTINGS).getMetadata()
                .getLabels().get(BatchApplication.ATTEMPT));
    }

    @ParameterizedTest
    @EnumSource(SparkOperatorFlavor.class)
    void noSecretIsWrittenIntoTheApplication(SparkOperatorFlavor flavor) {
        String yaml = Serialization.asYaml(BatchApplication.build(flavor, JVM, SETTINGS)).toLowerCase();
        assertFalse(yaml.contains("secret"), yaml);
        assertFalse(yaml.contains("token"), yaml);
    }

    @Test
    void labelValuesAreCutToWhatKubernetesAccepts() {
        assertEquals("a".repeat(63), BatchApplication.labelValue("a".repeat(80)));
        assertEquals("run-1_x", BatchApplication.labelValue("--run/1_x.."));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> spec(GenericKubernetesResource application) {
        return (Map<String, Object>) application.getAdditionalProperties().get("spec");
    }
}
