package dev.pedregal.gateway.support;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * The kubeflow Spark operator, as tests play it on the fabric8 mock of {@link KubernetesMockResource}: reads the
 * SparkApplications the gateway creates in one namespace and writes their status.
 */
public final class SparkOperator implements AutoCloseable {

    public static final ResourceDefinitionContext SPARK_APPLICATIONS = new ResourceDefinitionContext.Builder()
            .withGroup("sparkoperator.k8s.io").withVersion("v1beta2").withKind("SparkApplication")
            .withPlural("sparkapplications").withNamespaced(true).build();
    private static final AtomicInteger TOUCH = new AtomicInteger();

    public final KubernetesClient kubernetes;
    private final String namespace;

    public SparkOperator(String namespace) {
        this.namespace = namespace;
        try {
            kubernetes = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig("mock",
                    Files.readString(KubernetesMockResource.KUBECONFIG), null)).build();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public GenericKubernetesResource application(String name) {
        return kubernetes.genericKubernetesResources(SPARK_APPLICATIONS).inNamespace(namespace).withName(name).get();
    }

    public GenericKubernetesResource awaitApplication(String name) {
        Operator.await("SparkApplication " + name, Duration.ofSeconds(60), () -> application(name) != null);
        return application(name);
    }

    /** The operator's status: a state, its message, and for an end the time it ended. */
    public static Map<String, Object> status(String state, String message) {
        return status(state, message, Instant.now());
    }

    public static Map<String, Object> status(String state, String message, Instant ended) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("applicationState", Map.of("state", state, "errorMessage", message));
        if (!"RUNNING".equals(state)) {
            status.put("terminationTime", ended.toString());
        }
        return status;
    }

    /**
     * Sets the application's status (with its driver pod's name) until {@code seen}; each write changes a touch
     * annotation too, so that every one is a watch event. The mock API server does not replay changes made between
     * a watch's first read and its connection, and a test cannot see when the gateway's watch is open: hence the
     * repeated writes.
     */
    public void drive(String name, Map<String, Object> status, BooleanSupplier seen) {
        Operator.await("the gateway to follow " + name + " to " + status.get("applicationState"), Duration.ofSeconds(60),
                () -> {
                    GenericKubernetesResource application = application(name);
                    if (application != null) {
                        Map<String, Object> withPod = new LinkedHashMap<>(status);
                        withPod.put("driverInfo", Map.of("webUIAddress", "10.4.0.7:4040", "podName", name + "-driver"));
                        application.setAdditionalProperty("status", withPod);
                        application.getMetadata().getAnnotations().put("pedregal.test/touch",
                                Integer.toString(TOUCH.incrementAndGet()));
                        kubernetes.genericKubernetesResources(SPARK_APPLICATIONS).inNamespace(namespace)
                                .resource(application).update();
                    }
                    return seen.getAsBoolean();
                });
    }

    /** A batch application of the gateway's for {@code executionId}, created with its final status already set. */
    public void finished(String name, String executionId, Map<String, Object> status) {
        kubernetes.genericKubernetesResources(SPARK_APPLICATIONS).inNamespace(namespace).resource(
                new GenericKubernetesResourceBuilder().withApiVersion("sparkoperator.k8s.io/v1beta2")
                        .withKind("SparkApplication").withNewMetadata().withName(name).withNamespace(namespace)
                        .addToLabels("app.kubernetes.io/managed-by", "pedregal-gateway")
                        .addToLabels("pedregal.dev/execution", executionId.substring(0, 8))
                        .addToLabels("pedregal.dev/attempt", "1")
                        .addToAnnotations("pedregal.dev/execution-id", executionId).endMetadata()
                        .withAdditionalProperties(Map.of("spec", Map.of(), "status", status)).build())
                .create();
    }

    @Override
    public void close() {
        kubernetes.close();
    }
}
