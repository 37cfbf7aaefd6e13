package dev.pedregal.gateway.backend.kubernetes;

import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;

/**
 * One fabric8 mock API server in CRUD mode (objects are stored, listed and watched like a real API server),
 * on an ephemeral port, with expectations available on top for injecting failures, and a client whose own
 * retries are off (as {@link KubernetesClients} builds them).
 */
public final class MockKubernetes implements AutoCloseable {

    public final KubernetesMockServer server;
    public final KubernetesClient client;

    public MockKubernetes() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        server.init();
        client = server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).withRequestTimeout(5_000)
                .withConnectionTimeout(1_000).endConfig());
    }

    /** Installs the operator's CRD (which also teaches the mock server the resource) and a healthy /readyz. */
    public MockKubernetes withOperator(SparkOperatorFlavor flavor) {
        client.apiextensions().v1().customResourceDefinitions().resource(crd(flavor)).create();
        return this;
    }

    /** Answers the next {@code times} /readyz checks (every later one when times is 0) with this status. */
    public MockKubernetes readyz(int status, int times) {
        var reply = server.expect().get().withPath("/readyz").andReturn(status, status == 200 ? "ok" : "[-]etcd failed");
        if (times > 0) {
            reply.times(times);
        } else {
            reply.always();
        }
        return this;
    }

    public void removeOperator(SparkOperatorFlavor flavor) {
        client.apiextensions().v1().customResourceDefinitions().withName(flavor.crdName()).delete();
    }

    public static CustomResourceDefinition crd(SparkOperatorFlavor flavor) {
        String version = flavor.apiVersion().substring(flavor.apiVersion().indexOf('/') + 1);
        return new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(flavor.crdName()).endMetadata()
                .withNewSpec()
                .withGroup(flavor.group())
                .withScope("Namespaced")
                .withNewNames().withKind(SparkOperatorFlavor.KIND).withPlural(SparkOperatorFlavor.PLURAL)
                .withSingular("sparkapplication").endNames()
                .addNewVersion().withName(version).withServed(true).withStorage(true)
                .withNewSchema().withNewOpenAPIV3Schema().withType("object")
                .withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema()
                .endVersion()
                .endSpec()
                .build();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
