package dev.pedregal.gateway.placement;

import static dev.pedregal.gateway.backend.kubernetes.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.backend.DriverHandle;
import dev.pedregal.gateway.backend.DriverSpec;
import dev.pedregal.gateway.backend.kubernetes.CallPolicy;
import dev.pedregal.gateway.backend.kubernetes.ClusterCalls;
import dev.pedregal.gateway.backend.kubernetes.DriverApplication;
import dev.pedregal.gateway.backend.kubernetes.DriverResources;
import dev.pedregal.gateway.backend.kubernetes.KubernetesBackend;
import dev.pedregal.gateway.backend.kubernetes.KubernetesClusterProbe;
import dev.pedregal.gateway.backend.kubernetes.MockKubernetes;
import dev.pedregal.gateway.backend.kubernetes.SparkConnectCluster;
import dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/** Two mock Kubernetes clusters; one turns unhealthy or unusable and new drivers go to the other. */
class ClusterFailoverTest {

    static final SparkOperatorFlavor FLAVOR = SparkOperatorFlavor.KUBEFLOW_V1BETA2;
    static final ClusterTarget A = new ClusterTarget("a", "us-west-2", Set.of("prod"), ClusterTarget.Kind.KUBERNETES,
            Optional.of("a"), FLAVOR, 1, 0, "pedregal");
    static final ClusterTarget B = new ClusterTarget("b", "us-east-1", Set.of("prod"), ClusterTarget.Kind.KUBERNETES,
            Optional.of("b"), FLAVOR, 1, 0, "pedregal");

    private final MockKubernetes a = new MockKubernetes().withOperator(FLAVOR);
    private final MockKubernetes b = new MockKubernetes().withOperator(FLAVOR).readyz(200, 0);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private ClusterHealth health;

    @AfterEach
    void close() {
        if (health != null) {
            health.close();
        }
        scheduler.shutdownNow();
        a.close();
        b.close();
    }

    private ClusterSelector selector(HealthSettings settings, SparkOperatorFlavor flavorOfA) {
        health = new ClusterHealth(List.of(A, B), Map.of(
                "a", new KubernetesClusterProbe("a", a.client, flavorOfA, Infrastructure.getDefaultWorkerPool()),
                "b", new KubernetesClusterProbe("b", b.client, FLAVOR, Infrastructure.getDefaultWorkerPool())),
                settings, registry, scheduler);
        return new ClusterSelector(List.of(A, B), health, registry);
    }

    static List<String> names(List<ClusterTarget> targets) {
        return targets.stream().map(ClusterTarget::name).toList();
    }

    @Test
    void aFailingReadyzMovesNewDriversToTheOtherClusterOnTheNextChecks() {
        a.readyz(200, 1).readyz(500, 0);
        ClusterSelector selector = selector(new HealthSettings(Duration.ofMillis(100), Duration.ofSeconds(1), 2, 3), FLAVOR);
        health.checkAll().await().atMost(Duration.ofSeconds(5));
        assertEquals(List.of("a", "b"), names(selector.select("prod", "us-west-2")));

        health.start(); // the scheduled checks find out by themselves
        eventually("cluster a is unhealthy", () -> !health.healthy("a"));
        assertEquals("API server of a answered /readyz with HTTP 500", health.status("a").reason());
        assertEquals(List.of("b"), names(selector.select("prod", "us-west-2")));
        assertEquals(1.0, registry.get("pedregal.cluster.failovers").counter().count());
        assertEquals(0.0, registry.get("pedregal.cluster.healthy").tag("cluster", "a").gauge().value());
        assertEquals(1.0, registry.get("pedregal.cluster.healthy").tag("cluster", "b").gauge().value());
    }

    @Test
    void anUnreachableApiServerMakesItsClusterUnhealthy() {
        ClusterSelector selector = selector(new HealthSettings(Duration.ofSeconds(3), Duration.ofSeconds(2), 2, 3), FLAVOR);
        a.server.destroy();
        health.checkAll().await().atMost(Duration.ofSeconds(10));
        health.checkAll().await().atMost(Duration.ofSeconds(10));
        assertEquals(ClusterHealth.State.UNHEALTHY, health.status("a").state());
        assertTrue(health.status("a").reason().startsWith("API server of a is unreachable"), health.status("a").reason());
        assertEquals(List.of("b"), names(selector.select("prod", "us-west-2")));
    }

    @Test
    void aClusterWhoseOperatorCrdIsRemovedIsUnusableAndDriversStartOnTheOther() throws Exception {
        a.readyz(200, 0);
        ClusterSelector selector = selector(HealthSettings.DEFAULTS, FLAVOR);
        health.checkAll().await().atMost(Duration.ofSeconds(5));
        assertTrue(health.healthy("a"));

        a.removeOperator(FLAVOR);
        health.checkAll().await().atMost(Duration.ofSeconds(5));
        assertEquals(ClusterHealth.State.UNUSABLE, health.status("a").state(), "at once, not after a threshold");
        assertEquals("CustomResourceDefinition sparkapplications.sparkoperator.k8s.io is missing on cluster a: the "
                + "KUBEFLOW_V1BETA2 Spark operator is not installed, so drivers cannot run there", health.status("a").reason());

        ClusterTarget chosen = selector.select("prod", "us-west-2").get(0);
        assertEquals("b", chosen.name());
        DriverHandle handle = startOn(b, "drv-1-aaaaaa");
        selector.driverPlaced(chosen.name());
        assertEquals(1, selector.load("b"));
        assertEquals(15002, handle.port());
    }

    @Test
    void aClusterRunningTheOtherOperatorIsUnusable() {
        a.readyz(200, 0);
        selector(HealthSettings.DEFAULTS, SparkOperatorFlavor.APACHE_V1);
        health.checkAll().await().atMost(Duration.ofSeconds(5));
        assertEquals(ClusterHealth.State.UNUSABLE, health.status("a").state());
        assertTrue(health.status("a").reason().contains("sparkapplications.spark.apache.org is missing"),
                health.status("a").reason());
    }

    private DriverHandle startOn(MockKubernetes cluster, String driverId) throws Exception {
        SparkConnectCluster connect = new SparkConnectCluster("etl", new PoolKey("analytics", "prod"));
        DriverResources resources = new DriverResources("apache/spark:4.0.1", "4.0.1", 1, "2g", 1, "2g", 1, 1, 2, false,
                Optional.empty(), Map.of());
        KubernetesBackend backend = new KubernetesBackend(cluster.client, FLAVOR, connect, resources,
                new ClusterCalls("b", CallPolicy.DEFAULTS, Infrastructure.getDefaultWorkerPool()), Duration.ofSeconds(30));
        var started = backend.start(new DriverSpec(driverId, "analytics/prod",
                Map.of(DriverApplication.TOKEN_CONF, "t0ken"))).subscribeAsCompletionStage();
        eventually("the SparkApplication exists on b", () -> cluster.client.genericKubernetesResources(FLAVOR.context())
                .inNamespace(connect.namespace()).withName(driverId).get() != null);
        cluster.client.pods().inNamespace(connect.namespace()).resource(new PodBuilder()
                .withNewMetadata().withName(driverId + "-driver").withLabels(connect.driverLabels(driverId)).endMetadata()
                .withNewStatus().withPhase("Running").withPodIP("10.9.0.1")
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build()).endStatus()
                .build()).create();
        DriverHandle handle = started.get(15, TimeUnit.SECONDS);
        assertEquals("10.9.0.1", handle.host());
        backend.close();
        return handle;
    }
}
