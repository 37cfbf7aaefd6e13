package dev.pedregal.gateway.backend.kubernetes;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.Executor;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.smallrye.mutiny.Uni;

import dev.pedregal.gateway.placement.ClusterHealth;
import dev.pedregal.gateway.placement.ClusterProbe;

/**
 * The active health check of a Kubernetes cluster: its API server's {@code /readyz} (asynchronous HTTP through
 * the client's own connection and credentials), then the Spark operator's CustomResourceDefinition serving the
 * version the gateway writes. Without the CRD the cluster is unusable, whatever its API server says.
 */
public final class KubernetesClusterProbe implements ClusterProbe {

    private final String cluster;
    private final KubernetesClient client;
    private final SparkOperatorFlavor flavor;
    private final Executor worker;

    /** @param worker runs the blocking CRD read */
    public KubernetesClusterProbe(String cluster, KubernetesClient client, SparkOperatorFlavor flavor, Executor worker) {
        this.cluster = cluster;
        this.client = client;
        this.flavor = flavor;
        this.worker = worker;
    }

    @Override
    public Uni<Result> probe() {
        return readyz().chain(ready -> ready.state() == ClusterHealth.State.HEALTHY ? operatorInstalled() : Uni.createFrom().item(ready));
    }

    private Uni<Result> readyz() {
        HttpClient http = client.getHttpClient();
        URI uri;
        try {
            uri = client.getMasterUrl().toURI().resolve("readyz");
        } catch (URISyntaxException e) {
            return Uni.createFrom().item(Result.unusable("API server URL " + client.getMasterUrl() + " is invalid"));
        }
        return Uni.createFrom().completionStage(() -> http.sendAsync(http.newHttpRequestBuilder().uri(uri).build(), String.class))
                .map(response -> response.code() == 200 ? Result.healthy()
                        : Result.unhealthy("API server of " + cluster + " answered /readyz with HTTP " + response.code()))
                .onFailure().recoverWithItem(t -> Result.unhealthy("API server of " + cluster + " is unreachable: " + t.getMessage()));
    }

    private Uni<Result> operatorInstalled() {
        return Uni.createFrom().item(() -> client.apiextensions().v1().customResourceDefinitions()
                .withName(flavor.crdName()).get())
                .runSubscriptionOn(worker)
                .map(this::judge)
                .onFailure().recoverWithItem(t -> Result.unhealthy("could not read CustomResourceDefinition "
                        + flavor.crdName() + " on " + cluster + ": " + t.getMessage()));
    }

    private Result judge(CustomResourceDefinition crd) {
        if (crd == null) {
            return Result.unusable("CustomResourceDefinition " + flavor.crdName() + " is missing on cluster " + cluster
                    + ": the " + flavor + " Spark operator is not installed, so drivers cannot run there");
        }
        boolean served = crd.getSpec() != null && crd.getSpec().getVersions() != null && crd.getSpec().getVersions()
                .stream().anyMatch(v -> flavor.apiVersion().endsWith("/" + v.getName()) && Boolean.TRUE.equals(v.getServed()));
        return served ? Result.healthy()
                : Result.unusable("CustomResourceDefinition " + flavor.crdName() + " on cluster " + cluster
                        + " does not serve " + flavor.apiVersion());
    }
}
