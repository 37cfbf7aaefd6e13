package dev.pedregal.gateway.backend.kubernetes;

import static dev.pedregal.gateway.backend.kubernetes.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.pedregal.gateway.backend.DriverHandle;
import dev.pedregal.gateway.backend.DriverSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.smallrye.mutiny.infrastructure.Infrastructure;

class KubernetesBackendTest {

    static final SparkConnectCluster CLUSTER = DriverApplicationTest.CLUSTER;
    static final String NS = CLUSTER.namespace();
    static final String DRIVER = "drv-7-abc123";

    private MockKubernetes mock;
    private KubernetesBackend backend;

    KubernetesBackend backend(SparkOperatorFlavor flavor, Duration podTimeout) {
        mock = new MockKubernetes().withOperator(flavor);
        ClusterCalls calls = new ClusterCalls("k8s-a", CallPolicy.DEFAULTS, Infrastructure.getDefaultWorkerPool());
        backend = new KubernetesBackend(mock.client, flavor, CLUSTER, DriverApplicationTest.RESOURCES, calls, podTimeout);
        return backend;
    }

    @AfterEach
    void close() {
        if (backend != null) {
            backend.close();
        }
        if (mock != null) {
            mock.close();
        }
    }

    static CompletableFuture<DriverHandle> start(KubernetesBackend backend, String driverId) {
        return backend.start(new DriverSpec(driverId, "analytics/prod", DriverApplicationTest.POOL_CONF))
                .subscribeAsCompletionStage();
    }

    @ParameterizedTest
    @EnumSource(SparkOperatorFlavor.class)
    void startCreatesTheApplicationAndCompletesWhenTheDriverPodIsReady(SparkOperatorFlavor flavor) throws Exception {
        KubernetesBackend backend = backend(flavor, Duration.ofSeconds(30));
        CompletableFuture<DriverHandle> started = start(backend, DRIVER);

        eventually("the SparkApplication exists", () -> application(flavor) != null);
        ConfigMap owner = mock.client.configMaps().inNamespace(NS).withName("pedregal-cluster-etl").get();
        assertEquals(CLUSTER.labels(), owner.getMetadata().getLabels());
        GenericKubernetesResource stored = application(flavor);
        GenericKubernetesResource expected = DriverApplicationTest.expected(flavor);
        expected.getMetadata().getOwnerReferences().get(0).setUid(owner.getMetadata().getUid());
        assertEquals(expected.getMetadata().getLabels(), stored.getMetadata().getLabels());
        assertEquals(expected.getMetadata().getOwnerReferences(), stored.getMetadata().getOwnerReferences());
        assertEquals(expected.getAdditionalProperties(), stored.getAdditionalProperties());

        Secret secret = mock.client.secrets().inNamespace(NS).withName("pedregal-cluster-etl-token").get();
        assertEquals(DriverApplicationTest.TOKEN,
                new String(Base64.getDecoder().decode(secret.getData().get("token")), StandardCharsets.UTF_8));
        assertEquals("pedregal-cluster-etl", secret.getMetadata().getOwnerReferences().get(0).getName());
        assertEquals(owner.getMetadata().getUid(), secret.getMetadata().getOwnerReferences().get(0).getUid());

        // The operator creates the driver pod: pending without an IP first, then running and ready.
        Pod pod = mock.client.pods().inNamespace(NS).resource(driverPod(DRIVER)).create();
        Thread.sleep(300);
        assertFalse(started.isDone(), "start completed before the pod had an IP");
        markReady(mock.client, pod, "10.1.2.3");

        DriverHandle handle = started.get(15, TimeUnit.SECONDS);
        assertEquals("10.1.2.3", handle.host());
        assertEquals(15002, handle.port());
        assertEquals(DRIVER, handle.driverId());
        assertEquals(List.of(DRIVER), backend.list().stream().map(DriverHandle::driverId).toList());
        assertFalse(handle.terminated().toCompletableFuture().isDone());

        mock.client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).delete();
        String reason = handle.terminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
        assertTrue(reason.contains("driver pod " + DRIVER + "-driver"), reason);
    }

    @Test
    void stopDeletesTheApplicationAndIsIdempotent() throws Exception {
        KubernetesBackend backend = backend(SparkOperatorFlavor.KUBEFLOW_V1BETA2, Duration.ofSeconds(30));
        DriverHandle handle = readyDriver(backend, DRIVER, "10.1.2.4");

        backend.stop(handle).await().atMost(Duration.ofSeconds(15));
        assertNull(application(SparkOperatorFlavor.KUBEFLOW_V1BETA2));
        assertEquals("SparkApplication " + DRIVER + " was deleted",
                handle.terminated().toCompletableFuture().get(1, TimeUnit.SECONDS));
        backend.stop(handle).await().atMost(Duration.ofSeconds(15)); // nothing left to delete: no failure
    }

    @Test
    void driversStartedElsewhereAreListedFromTheCacheAndWatched() throws Exception {
        KubernetesBackend backend = backend(SparkOperatorFlavor.KUBEFLOW_V1BETA2, Duration.ofSeconds(30));
        readyDriver(backend, DRIVER, "10.1.2.7");
        Pod other = mock.client.pods().inNamespace(NS).resource(driverPod("drv-99-ffffff")).create();
        markReady(mock.client, other, "10.1.2.99");
        eventually("the other replica's driver is listed", () -> backend.list().size() == 2);
        DriverHandle adopted = backend.list().stream().filter(d -> d.driverId().equals("drv-99-ffffff")).findFirst()
                .orElseThrow();
        assertEquals("10.1.2.99", adopted.host());

        mock.client.pods().inNamespace(NS).withName("drv-99-ffffff-driver").delete();
        assertTrue(adopted.terminated().toCompletableFuture().get(15, TimeUnit.SECONDS).contains("drv-99-ffffff-driver"));
        eventually("it is no longer listed", () -> backend.list().size() == 1);
    }

    @Test
    void aFailedDriverPodEndsTheDriver() throws Exception {
        KubernetesBackend backend = backend(SparkOperatorFlavor.APACHE_V1, Duration.ofSeconds(30));
        DriverHandle handle = readyDriver(backend, DRIVER, "10.1.2.5");
        Pod pod = mock.client.pods().inNamespace(NS).withName(DRIVER + "-driver").get();
        pod.getStatus().setPhase("Failed");
        pod.getStatus().setReason("OOMKilled");
        mock.client.pods().inNamespace(NS).resource(pod).updateStatus();
        assertEquals("driver pod " + DRIVER + "-driver failed: OOMKilled",
                handle.terminated().toCompletableFuture().get(15, TimeUnit.SECONDS));
    }

    @Test
    void anApplicationTheOperatorGaveUpOnFailsTheStartAndIsDeleted() throws Exception {
        KubernetesBackend backend = backend(SparkOperatorFlavor.KUBEFLOW_V1BETA2, Duration.ofSeconds(30));
        CompletableFuture<DriverHandle> started = start(backend, DRIVER);
        eventually("the SparkApplication exists", () -> application(SparkOperatorFlavor.KUBEFLOW_V1BETA2) != null);
        GenericKubernetesResource application = application(SparkOperatorFlavor.KUBEFLOW_V1BETA2);
        application.setAdditionalProperty("status", Map.of("applicationState", Map.of("state", "SUBMISSION_FAILED")));
        mock.client.genericKubernetesResources(SparkOperatorFlavor.KUBEFLOW_V1BETA2.context()).inNamespace(NS)
                .resource(application).update();

        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> started.get(15, TimeUnit.SECONDS));
        assertInstanceOf(DriverStartFailed.class, failure.getCause());
        assertTrue(failure.getCause().getMessage().contains("SUBMISSION_FAILED"), failure.getCause().getMessage());
        eventually("the failed application is deleted", () -> application(SparkOperatorFlavor.KUBEFLOW_V1BETA2) == null);
    }

    @Test
    void aDriverWithoutAReadyPodInTimeIsDeleted() {
        KubernetesBackend backend = backend(SparkOperatorFlavor.APACHE_V1, Duration.ofMillis(800));
        CompletableFuture<DriverHandle> started = start(backend, DRIVER);
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> started.get(15, TimeUnit.SECONDS));
        assertInstanceOf(DriverStartFailed.class, failure.getCause());
        eventually("the application is deleted", () -> application(SparkOperatorFlavor.APACHE_V1) == null);
    }

    @Test
    void deletingTheClusterRemovesEveryObject() throws Exception {
        KubernetesBackend backend = backend(SparkOperatorFlavor.KUBEFLOW_V1BETA2, Duration.ofSeconds(30));
        DriverHandle handle = readyDriver(backend, DRIVER, "10.1.2.6");
        backend.deleteCluster().await().atMost(Duration.ofSeconds(15));
        assertNull(application(SparkOperatorFlavor.KUBEFLOW_V1BETA2));
        assertNull(mock.client.secrets().inNamespace(NS).withName(CLUSTER.tokenSecretName()).get());
        assertNull(mock.client.configMaps().inNamespace(NS).withName(CLUSTER.ownerName()).get());
        assertNotNull(handle.terminated().toCompletableFuture().get(15, TimeUnit.SECONDS));
    }

    @Test
    void aDriverWithoutThePoolTokenIsRefused() {
        KubernetesBackend backend = backend(SparkOperatorFlavor.KUBEFLOW_V1BETA2, Duration.ofSeconds(30));
        CompletableFuture<DriverHandle> started = backend.start(new DriverSpec(DRIVER, "analytics/prod", Map.of()))
                .subscribeAsCompletionStage();
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> started.get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalArgumentException.class, failure.getCause());
        assertNull(application(SparkOperatorFlavor.KUBEFLOW_V1BETA2));
    }

    private DriverHandle readyDriver(KubernetesBackend backend, String driverId, String ip) throws Exception {
        CompletableFuture<DriverHandle> started = start(backend, driverId);
        eventually("the SparkApplication exists", () -> backendApplication(driverId) != null);
        Pod pod = mock.client.pods().inNamespace(NS).resource(driverPod(driverId)).create();
        markReady(mock.client, pod, ip);
        return started.get(15, TimeUnit.SECONDS);
    }

    private GenericKubernetesResource backendApplication(String name) {
        for (SparkOperatorFlavor flavor : SparkOperatorFlavor.values()) {
            try {
                GenericKubernetesResource found = mock.client.genericKubernetesResources(flavor.context()).inNamespace(NS)
                        .withName(name).get();
                if (found != null) {
                    return found;
                }
            } catch (RuntimeException notServed) {
                // the other flavour's resource is unknown to this mock server
            }
        }
        return null;
    }

    private GenericKubernetesResource application(SparkOperatorFlavor flavor) {
        return mock.client.genericKubernetesResources(flavor.context()).inNamespace(NS).withName(DRIVER).get();
    }

    /** A driver pod as an operator creates it: carrying the labels of the application's driver template. */
    static Pod driverPod(String driverId) {
        return new PodBuilder()
                .withMetadata(new ObjectMeta())
                .editMetadata().withName(driverId + "-driver").withNamespace(NS)
                .withLabels(CLUSTER.driverLabels(driverId)).addToLabels("spark-role", "driver").endMetadata()
                .withNewSpec().addNewContainer().withName("spark-kubernetes-driver").withImage("apache/spark:4.0.1")
                .endContainer().endSpec()
                .withNewStatus().withPhase("Pending").endStatus()
                .build();
    }

    static void markReady(KubernetesClient client, Pod pod, String ip) {
        Pod current = client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).get();
        current.getStatus().setPhase("Running");
        current.getStatus().setPodIP(ip);
        current.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.PodConditionBuilder()
                .withType("Ready").withStatus("True").build()));
        client.pods().inNamespace(NS).resource(current).updateStatus();
    }
}
