package dev.pedregal.gateway.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.pedregal.gateway.backend.kubernetes.MockKubernetes;
import dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A Kubernetes cluster for the gateway to provision into: the fabric8 mock API server in CRUD mode with the
 * kubeflow operator's CRD, reached through a kubeconfig context named {@code mock} (written to
 * {@link #KUBECONFIG}), and configured as the gateway's only cluster target.
 */
public class KubernetesMockResource implements QuarkusTestResourceLifecycleManager {

    public static final Path KUBECONFIG = Path.of("target/kube-mock/config").toAbsolutePath();
    private MockKubernetes kubernetes;

    @Override
    public Map<String, String> start() {
        kubernetes = new MockKubernetes().withOperator(SparkOperatorFlavor.KUBEFLOW_V1BETA2).readyz(200, 0);
        String server = kubernetes.server.url("/").replaceAll("/$", "");
        try {
            Files.createDirectories(KUBECONFIG.getParent());
            Files.writeString(KUBECONFIG, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: mock
                      cluster: {server: "%s"}
                    users:
                    - name: mock
                      user: {token: mock-token}
                    contexts:
                    - name: mock
                      context: {cluster: mock, user: mock, namespace: default}
                    current-context: mock
                    """.formatted(server));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        System.setProperty("kubeconfig", KUBECONFIG.toString());
        return Map.of(
                "pedregal.clusters.mock.region", "local",
                "pedregal.clusters.mock.context", "mock",
                "pedregal.clusters.mock.flavor", "kubeflow-v1beta2");
    }

    @Override
    public void stop() {
        System.clearProperty("kubeconfig");
        if (kubernetes != null) {
            kubernetes.close();
        }
    }
}
