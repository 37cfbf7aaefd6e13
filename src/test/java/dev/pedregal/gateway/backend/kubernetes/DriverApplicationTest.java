package dev.pedregal.gateway.backend.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.placement.PoolKey;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

class DriverApplicationTest {

    static final SparkConnectCluster CLUSTER = new SparkConnectCluster("etl", new PoolKey("analytics", "prod"));
    static final DriverResources RESOURCES = new DriverResources("apache/spark:4.0.1", "4.0.1", 2, "4g", 4, "8g", 2, 1, 5,
            true, Optional.of("spark-driver"), Map.of("spark.sql.catalog.pedregal.uri", "https://catalog.prod"));
    static final String TOKEN = "pool-secret-Zx81";
    static final Map<String, String> POOL_CONF = Map.of(DriverApplication.TOKEN_CONF, TOKEN, "spark.sql.ansi.enabled",
            "true");
    static final OwnerReference OWNER = new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap")
            .withName("pedregal-cluster-etl").withUid("3f1e-uid").build();

    static final String METADATA = """
            metadata:
              name: drv-7-abc123
              namespace: sjns-analytics-prod
              labels:
                app.kubernetes.io/managed-by: pedregal-gateway
                pedregal.dev/team: analytics
                pedregal.dev/environment: prod
                pedregal.dev/cluster: etl
                pedregal.dev/driver: drv-7-abc123
              ownerReferences:
              - apiVersion: v1
                kind: ConfigMap
                name: pedregal-cluster-etl
                uid: 3f1e-uid
            """;

    static final String COMMON_CONF = """
                spark.connect.grpc.binding.port: "15002"
                spark.driver.blockManager.port: "7079"
                spark.driver.port: "7078"
                spark.kubernetes.driver.secretKeyRef.SPARK_CONNECT_AUTHENTICATE_TOKEN: pedregal-cluster-etl-token:token
                spark.sql.ansi.enabled: "true"
                spark.sql.catalog.pedregal.uri: https://catalog.prod
            """;

    static final String KUBEFLOW = "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\n" + METADATA + """
            spec:
              type: Scala
              mode: cluster
              image: apache/spark:4.0.1
              sparkVersion: 4.0.1
              mainClass: org.apache.spark.sql.connect.service.SparkConnectServer
              mainApplicationFile: local:///opt/spark/jars/spark-connect_2.13-4.0.1.jar
              restartPolicy:
                type: Never
              sparkConf:
            """ + COMMON_CONF + """
              driver:
                cores: 2
                memory: 4g
                serviceAccount: spark-driver
                labels:
                  app.kubernetes.io/managed-by: pedregal-gateway
                  pedregal.dev/team: analytics
                  pedregal.dev/environment: prod
                  pedregal.dev/cluster: etl
                  pedregal.dev/driver: drv-7-abc123
              executor:
                cores: 4
                memory: 8g
                instances: 2
                labels:
                  app.kubernetes.io/managed-by: pedregal-gateway
                  pedregal.dev/team: analytics
                  pedregal.dev/environment: prod
                  pedregal.dev/cluster: etl
              dynamicAllocation:
                enabled: true
                initialExecutors: 2
                minExecutors: 1
                maxExecutors: 5
            """;

    static final String APACHE = "apiVersion: spark.apache.org/v1\nkind: SparkApplication\n" + METADATA + """
            spec:
              mainClass: org.apache.spark.sql.connect.service.SparkConnectServer
              runtimeVersions:
                sparkVersion: 4.0.1
              sparkConf:
            """ + COMMON_CONF + """
                spark.kubernetes.container.image: apache/spark:4.0.1
                spark.driver.cores: "2"
                spark.driver.memory: 4g
                spark.executor.cores: "4"
                spark.executor.memory: 8g
                spark.executor.instances: "2"
                spark.dynamicAllocation.enabled: "true"
                spark.dynamicAllocation.shuffleTracking.enabled: "true"
                spark.dynamicAllocation.initialExecutors: "2"
                spark.dynamicAllocation.minExecutors: "1"
                spark.dynamicAllocation.maxExecutors: "5"
                spark.kubernetes.authenticate.driver.serviceAccountName: spark-driver
              applicationTolerations:
                restartConfig:
                  restartPolicy: Never
                resourceRetainPolicy: Never
              driverSpec:
                podTemplateSpec:
                  metadata:
                    labels:
                      app.kubernetes.io/managed-by: pedregal-gateway
                      pedregal.dev/team: analytics
                      pedregal.dev/environment: prod
                      pedregal.dev/cluster: etl
                      pedregal.dev/driver: drv-7-abc123
              executorSpec:
                podTemplateSpec:
                  metadata:
                    labels:
                      app.kubernetes.io/managed-by: pedregal-gateway
                      pedregal.dev/team: analytics
                      pedregal.dev/environment: prod
                      pedregal.dev/cluster: etl
            """;

    static GenericKubernetesResource expected(SparkOperatorFlavor flavor) {
        return Serialization.unmarshal(flavor == SparkOperatorFlavor.KUBEFLOW_V1BETA2 ? KUBEFLOW : APACHE,
                GenericKubernetesResource.class);
    }

    static GenericKubernetesResource built(SparkOperatorFlavor flavor) {
        return DriverApplication.build(flavor, CLUSTER, RESOURCES, "drv-7-abc123", POOL_CONF, OWNER);
    }

    @Test
    void kubeflowApplicationIsExactlyTheExpectedOne() {
        assertEquals(expected(SparkOperatorFlavor.KUBEFLOW_V1BETA2), built(SparkOperatorFlavor.KUBEFLOW_V1BETA2));
    }

    @Test
    void apacheApplicationIsExactlyTheExpectedOne() {
        assertEquals(expected(SparkOperatorFlavor.APACHE_V1), built(SparkOperatorFlavor.APACHE_V1));
    }

    @Test
    void thePoolTokenIsNeverWrittenIntoTheApplication() {
        for (SparkOperatorFlavor flavor : SparkOperatorFlavor.values()) {
            String yaml = Serialization.asYaml(built(flavor));
            assertFalse(yaml.contains(TOKEN), flavor + " application carries the token");
            assertFalse(yaml.contains(DriverApplication.TOKEN_CONF), flavor + " application names the token conf");
        }
    }

    @Test
    void operatorStatesThatEndADriverAreRecognised() {
        GenericKubernetesResource kubeflow = built(SparkOperatorFlavor.KUBEFLOW_V1BETA2);
        kubeflow.setAdditionalProperty("status", Map.of("applicationState", Map.of("state", "RUNNING")));
        assertEquals(Optional.empty(), SparkOperatorFlavor.KUBEFLOW_V1BETA2.endedReason(kubeflow));
        kubeflow.setAdditionalProperty("status", Map.of("applicationState", Map.of("state", "SUBMISSION_FAILED")));
        assertEquals(Optional.of("SparkApplication drv-7-abc123 ended in state SUBMISSION_FAILED"),
                SparkOperatorFlavor.KUBEFLOW_V1BETA2.endedReason(kubeflow));

        GenericKubernetesResource apache = built(SparkOperatorFlavor.APACHE_V1);
        apache.setAdditionalProperty("status", Map.of("currentState", Map.of("currentStateSummary", "DriverReady")));
        assertEquals(Optional.empty(), SparkOperatorFlavor.APACHE_V1.endedReason(apache));
        apache.setAdditionalProperty("status", Map.of("currentState", Map.of("currentStateSummary", "SchedulingFailure")));
        assertEquals(Optional.of("SparkApplication drv-7-abc123 ended in state SchedulingFailure"),
                SparkOperatorFlavor.APACHE_V1.endedReason(apache));
    }
}
