package dev.pedregal.gateway.backend.kubernetes;

import static dev.pedregal.gateway.backend.kubernetes.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.backend.DriverSpec;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/** API errors injected with the mock server's expectations, on top of its CRUD store. */
class KubernetesApiFailureTest {

    static final SparkOperatorFlavor FLAVOR = SparkOperatorFlavor.KUBEFLOW_V1BETA2;
    static final String NS = DriverApplicationTest.CLUSTER.namespace();
    static final String APPLICATIONS = "/apis/sparkoperator.k8s.io/v1beta2/namespaces/" + NS + "/sparkapplications";

    private final MockKubernetes mock = new MockKubernetes().withOperator(FLAVOR);
    private final ClusterCalls calls = new ClusterCalls("k8s-a", ClusterCallsTest.FAST, Infrastructure.getDefaultWorkerPool());
    private final KubernetesBackend backend = new KubernetesBackend(mock.client, FLAVOR, DriverApplicationTest.CLUSTER,
            DriverApplicationTest.RESOURCES, calls, Duration.ofSeconds(30));

    @AfterEach
    void close() {
        backend.close();
        mock.close();
    }

    private Throwable failedStart(String driverId) {
        ExecutionException failure = assertThrows(ExecutionException.class, () -> backend
                .start(new DriverSpec(driverId, "analytics/prod", DriverApplicationTest.POOL_CONF))
                .subscribeAsCompletionStage().get(15, TimeUnit.SECONDS));
        return failure.getCause();
    }

    @Test
    void aCreateFailingWith500IsRetriedThenClusterUnavailableAndLeavesNoApplication() {
        // As if the first create had gone through on the server and only its answer was lost.
        mock.client.genericKubernetesResources(FLAVOR.context()).inNamespace(NS)
                .resource(DriverApplicationTest.built(FLAVOR)).create();
        AtomicInteger creates = new AtomicInteger();
        mock.server.expect().post().withPath(APPLICATIONS).andReply(500, request -> {
            creates.incrementAndGet();
            return Serialization.asJson(new StatusBuilder().withCode(500).withMessage("etcd timeout").build());
        }).times(3);

        Throwable failure = failedStart("drv-7-abc123");
        ClusterUnavailable unavailable = assertInstanceOf(ClusterUnavailable.class, failure);
        assertEquals(3, creates.get(), "the first attempt and two retries");
        assertEquals("k8s-a", unavailable.cluster());
        assertTrue(unavailable.getMessage().contains("HTTP 500"), unavailable.getMessage());
        eventually("no SparkApplication is left behind",
                () -> mock.client.genericKubernetesResources(FLAVOR.context()).inNamespace(NS).list().getItems().isEmpty());
    }

    @Test
    void throttlingCarriesTheApiServersRetryAfter() {
        mock.server.expect().post().withPath(APPLICATIONS).andReturn(429, Serialization.asJson(new StatusBuilder()
                .withCode(429).withMessage("too many requests").withNewDetails().withRetryAfterSeconds(9).endDetails()
                .build())).times(3);
        ClusterUnavailable unavailable = assertInstanceOf(ClusterUnavailable.class, failedStart("drv-8-abc123"));
        assertEquals(Duration.ofSeconds(9), unavailable.retryAfter());
        assertNull(mock.client.genericKubernetesResources(FLAVOR.context()).inNamespace(NS).withName("drv-8-abc123").get());
    }

    @Test
    void anUnreachableClusterIsUnavailable() {
        mock.server.destroy();
        ClusterUnavailable unavailable = assertInstanceOf(ClusterUnavailable.class, failedStart("drv-9-abc123"));
        assertEquals("k8s-a", unavailable.cluster());
    }

    @Test
    void repeatedFailuresOpenTheClustersBreaker() {
        mock.server.expect().post().withPath(APPLICATIONS).andReturn(503, "unavailable").always();
        assertInstanceOf(ClusterUnavailable.class, failedStart("drv-10-abc123"));
        assertInstanceOf(ClusterUnavailable.class, failedStart("drv-11-abc123"));
        ClusterUnavailable refused = assertInstanceOf(ClusterUnavailable.class, failedStart("drv-12-abc123"));
        assertTrue(refused.getMessage().contains("circuit breaker open"), refused.getMessage());
        assertEquals(ClusterCallsTest.FAST.breakerDelay(), refused.retryAfter());
    }
}
