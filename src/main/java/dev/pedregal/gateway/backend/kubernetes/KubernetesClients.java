package dev.pedregal.gateway.backend.kubernetes;

import java.time.Duration;
import java.util.Optional;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/** Builds the API client of one Kubernetes cluster from its kubeconfig context, or in-cluster without one. */
public final class KubernetesClients {

    private KubernetesClients() {
    }

    /**
     * @param context kubeconfig context; empty: the pod's service account (or the current context)
     * @param requestTimeout bound of each API request
     */
    public static KubernetesClient forContext(Optional<String> context, Duration requestTimeout) {
        Config config = Config.autoConfigure(context.orElse(null));
        return new KubernetesClientBuilder().withConfig(withGatewayDefaults(config, requestTimeout)).build();
    }

    /**
     * The client's own retries are turned off: {@link ClusterCalls} retries with backoff and counts failures for
     * the cluster's circuit breaker, which hidden retries inside the client would defeat.
     */
    public static Config withGatewayDefaults(Config config, Duration requestTimeout) {
        config.setRequestRetryBackoffLimit(0);
        config.setRequestTimeout((int) requestTimeout.toMillis());
        return config;
    }
}
