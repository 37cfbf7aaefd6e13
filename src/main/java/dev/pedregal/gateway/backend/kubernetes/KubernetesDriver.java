package dev.pedregal.gateway.backend.kubernetes;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.pedregal.gateway.backend.DriverHandle;

/**
 * A driver running as a SparkApplication: reachable on its pod's IP at port 15002 once the pod is ready.
 * Both stages are completed by the informers of {@link DriverDiscovery}.
 */
final class KubernetesDriver implements DriverHandle {

    private final String driverId;
    private final String cluster;
    private final CompletableFuture<KubernetesDriver> placed = new CompletableFuture<>();
    private final CompletableFuture<String> ended = new CompletableFuture<>();
    private volatile String podName = "";
    private volatile String podIp;

    KubernetesDriver(String driverId, String cluster) {
        this.driverId = driverId;
        this.cluster = cluster;
    }

    @Override
    public String driverId() {
        return driverId;
    }

    @Override
    public String host() {
        return podIp;
    }

    @Override
    public int port() {
        return DriverApplication.CONNECT_PORT;
    }

    @Override
    public String describe() {
        return "pod " + podName + " on Kubernetes cluster " + cluster;
    }

    @Override
    public CompletionStage<String> terminated() {
        return ended;
    }

    /** Completes once the driver pod is ready with an IP; fails if the driver ends first. */
    CompletableFuture<KubernetesDriver> placed() {
        return placed;
    }

    void ready(String pod, String ip) {
        if (podIp == null) {
            podName = pod;
            podIp = ip;
        }
        placed.complete(this);
    }

    void end(String reason) {
        placed.completeExceptionally(new DriverStartFailed("driver " + driverId + " ended before it was ready: " + reason));
        ended.complete(reason);
    }
}
