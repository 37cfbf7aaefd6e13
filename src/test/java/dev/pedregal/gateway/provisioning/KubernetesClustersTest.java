package dev.pedregal.gateway.provisioning;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.support.KubernetesMockResource;
import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.PostgresResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * The cluster API provisioning into Kubernetes (the fabric8 mock API server in CRUD mode, the only API
 * server that can run here): the team namespace is onboarded, drivers are SparkApplications of the
 * configured operator, and deleting the cluster removes them.
 */
@QuarkusTest
@TestProfile(KubernetesClustersTest.OnKubernetes.class)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = KubernetesMockResource.class, restrictToAnnotatedClass = true)
class KubernetesClustersTest {

    static final ResourceDefinitionContext SPARK_APPLICATIONS = new ResourceDefinitionContext.Builder()
            .withGroup("sparkoperator.k8s.io").withVersion("v1beta2").withKind("SparkApplication")
            .withPlural("sparkapplications").withNamespaced(true).build();
    static final String NAMESPACE = "sjns-analytics-dev";

    public static class OnKubernetes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.datasource.active", "true",
                    "quarkus.hibernate-orm.active", "true",
                    "pedregal.pool.warm-drivers", "0");
        }
    }

    static KubernetesClient kubernetes;

    @BeforeAll
    static void connect() throws Exception {
        kubernetes = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig("mock",
                java.nio.file.Files.readString(KubernetesMockResource.KUBECONFIG), null)).build();
    }

    @AfterAll
    static void disconnect() {
        kubernetes.close();
    }

    static List<GenericKubernetesResource> applications(String cluster) {
        GenericKubernetesResourceList list = kubernetes.genericKubernetesResources(SPARK_APPLICATIONS).inNamespace(NAMESPACE)
                .withLabel("pedregal.dev/cluster", cluster).list();
        return list.getItems();
    }

    @Test
    void aClusterOnKubernetesIsOnboardedRunsAsSparkApplicationsAndIsCleanedUpOnDelete() {
        String id = RestAssured.given().contentType("application/json").body("""
                {"name": "analytics-k8s", "team": "analytics", "environment": "dev", "template": "medium",
                 "warmDrivers": 1, "maxDrivers": 2}""").post("/api/v1/clusters").then().statusCode(201).extract().path("id");

        Operator.await("a driver SparkApplication", Duration.ofSeconds(60), () -> !applications("analytics-k8s").isEmpty());
        RestAssured.given().get("/api/v1/clusters/" + id).then().statusCode(200)
                .body("target", equalTo("mock")).body("state", equalTo("PROVISIONING"));

        // The team namespace was onboarded before the first driver.
        assertNotNull(kubernetes.namespaces().withName(NAMESPACE).get());
        assertNotNull(kubernetes.resourceQuotas().inNamespace(NAMESPACE).withName("pedregal-quota").get());
        assertNotNull(kubernetes.network().networkPolicies().inNamespace(NAMESPACE).withName("pedregal-drivers").get());
        assertNotNull(kubernetes.rbac().roleBindings().inNamespace(NAMESPACE).withName("pedregal-team").get());

        GenericKubernetesResource app = applications("analytics-k8s").get(0);
        Map<String, Object> spec = app.get("spec");
        assertEquals("org.apache.spark.sql.connect.service.SparkConnectServer", spec.get("mainClass"));
        assertEquals("analytics", app.getMetadata().getLabels().get("pedregal.dev/team"));
        assertEquals("pedregal-cluster-analytics-k8s", app.getMetadata().getOwnerReferences().get(0).getName());
        String yaml = io.fabric8.kubernetes.client.utils.Serialization.asYaml(app);
        assertFalse(yaml.contains("spark.connect.authenticate.token:"), "the pool's secret is not in the resource");
        // The medium template's sizes reach the driver.
        assertEquals(2, ((Number) ((Map<?, ?>) spec.get("driver")).get("cores")).intValue());

        RestAssured.given().delete("/api/v1/clusters/" + id).then().statusCode(202);
        Operator.await("the cluster's objects to be removed", Duration.ofSeconds(60),
                () -> applications("analytics-k8s").isEmpty()
                        && kubernetes.configMaps().inNamespace(NAMESPACE).withName("pedregal-cluster-analytics-k8s").get() == null);
        Operator.await("DELETED", Duration.ofSeconds(30), () -> "DELETED".equals(
                RestAssured.given().get("/api/v1/clusters/" + id).then().extract().path("state")));
    }
}
