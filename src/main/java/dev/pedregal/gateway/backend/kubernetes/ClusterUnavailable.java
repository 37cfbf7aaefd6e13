package dev.pedregal.gateway.backend.kubernetes;

import java.time.Duration;

/**
 * A Kubernetes cluster's API did not answer usefully (429, 5xx, unreachable) after the retries, or its circuit
 * breaker is open. Callers fail over to another cluster, or answer 503 with {@code Retry-After}.
 */
public final class ClusterUnavailable extends RuntimeException {

    private final String cluster;
    private final Duration retryAfter;

    public ClusterUnavailable(String cluster, Duration retryAfter, String message, Throwable cause) {
        super("Kubernetes cluster " + cluster + " is unavailable: " + message, cause);
        this.cluster = cluster;
        this.retryAfter = retryAfter;
    }

    public String cluster() {
        return cluster;
    }

    /** When trying this cluster again makes sense. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
