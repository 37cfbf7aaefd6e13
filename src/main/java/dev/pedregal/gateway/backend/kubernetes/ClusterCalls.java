package dev.pedregal.gateway.backend.kubernetes;

import java.io.IOException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import jakarta.enterprise.util.TypeLiteral;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

/**
 * Every API call to one Kubernetes cluster goes through here: the blocking fabric8 call runs on a worker
 * thread, never on an event loop; a call failing with 429, 5xx or no connection is retried with exponential
 * backoff; and one circuit breaker per cluster (not per method: the cluster is what fails) stops calling a
 * cluster that keeps failing. What is still failing at the end becomes {@link ClusterUnavailable}; other
 * answers (404, 409, 422) pass through unchanged and count as the cluster working.
 */
public final class ClusterCalls {

    /** Told the outcome of each call, after its retries: the passive health signal of the cluster. */
    public interface Outcomes {
        Outcomes NONE = ok -> {
        };

        void outcome(boolean clusterAnswered);
    }

    private static final TypeLiteral<Uni<Object>> UNI = new TypeLiteral<>() {
    };

    private final String cluster;
    private final CallPolicy policy;
    private final Executor worker;
    private final Guard guard;
    private final Guard cleanupGuard;
    private final AtomicReference<CircuitBreakerState> breaker = new AtomicReference<>(CircuitBreakerState.CLOSED);
    private volatile Outcomes outcomes = Outcomes.NONE;

    public ClusterCalls(String cluster, CallPolicy policy, Executor worker) {
        this.cluster = cluster;
        this.policy = policy;
        this.worker = worker;
        this.guard = Guard.create()
                .withDescription("kubernetes cluster " + cluster)
                .with(b -> retry(b, policy.maxRetries()))
                .withCircuitBreaker()
                .requestVolumeThreshold(policy.breakerWindow())
                .failureRatio(policy.breakerFailureRatio())
                .delay(policy.breakerDelay().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(1)
                .when(ClusterCalls::transientFailure)
                .onStateChange(breaker::set)
                .done()
                .build();
        // Deleting what a failed start may have left is worth more tries, and must not be refused by the breaker.
        this.cleanupGuard = Guard.create()
                .withDescription("kubernetes cluster " + cluster + " cleanup")
                .with(b -> retry(b, policy.maxRetries() * 2))
                .build();
    }

    private void retry(Guard.Builder builder, int retries) {
        long delay = policy.initialDelay().toMillis();
        builder.withRetry()
                .maxRetries(retries)
                .delay(delay, ChronoUnit.MILLIS)
                .jitter(Math.max(1, delay / 4), ChronoUnit.MILLIS)
                .whenException(ClusterCalls::transientFailure)
                .withExponentialBackoff().factor(2).maxDelay(policy.maxDelay().toMillis(), ChronoUnit.MILLIS).done()
                .done();
    }

    public String cluster() {
        return cluster;
    }

    public void outcomes(Outcomes outcomes) {
        this.outcomes = outcomes;
    }

    public CircuitBreakerState breakerState() {
        return breaker.get();
    }

    /**
     * Runs a blocking Kubernetes API call on a worker thread under this cluster's retry and breaker.
     *
     * @param what what the call does, for the failure message
     */
    public <T> Uni<T> call(String what, Supplier<T> blocking) {
        return guarded(guard, what, blocking);
    }

    /** Like {@link #call}, with more retries and outside the breaker: for removing what a failed operation left. */
    public <T> Uni<T> cleanup(String what, Supplier<T> blocking) {
        return guarded(cleanupGuard, what, blocking);
    }

    @SuppressWarnings("unchecked")
    private <T> Uni<T> guarded(Guard guard, String what, Supplier<T> blocking) {
        Uni<Object> guarded = Uni.createFrom().deferred(() -> {
            try {
                return guard.call(() -> Uni.createFrom().item(() -> (Object) blocking.get()).runSubscriptionOn(worker),
                        UNI);
            } catch (Exception e) {
                return Uni.createFrom().failure(e);
            }
        });
        return guarded
                .onItem().invoke(() -> outcomes.outcome(true))
                .onFailure().transform(failure -> {
                    boolean unavailable = transientFailure(failure) || failure instanceof CircuitBreakerOpenException;
                    outcomes.outcome(!unavailable);
                    return unavailable
                            ? new ClusterUnavailable(cluster, retryAfter(failure), what + ": " + describe(failure), failure)
                            : failure;
                })
                .map(item -> (T) item);
    }

    /** 429, 5xx, no connection or no answer in time: worth retrying, and a sign of the cluster's health. */
    static boolean transientFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getCode() > 0) {
                return k.getCode() == 429 || k.getCode() >= 500;
            }
            if (t instanceof IOException || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private Duration retryAfter(Throwable failure) {
        if (failure instanceof CircuitBreakerOpenException) {
            return policy.breakerDelay();
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getDetails() != null
                    && k.getStatus().getDetails().getRetryAfterSeconds() != null
                    && k.getStatus().getDetails().getRetryAfterSeconds() > 0) {
                return Duration.ofSeconds(k.getStatus().getDetails().getRetryAfterSeconds());
            }
        }
        return policy.defaultRetryAfter();
    }

    private static String describe(Throwable failure) {
        if (failure instanceof CircuitBreakerOpenException) {
            return "circuit breaker open after repeated failures";
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getCode() > 0) {
                return "HTTP " + k.getCode() + (k.getStatus() != null && k.getStatus().getMessage() != null
                        ? " " + k.getStatus().getMessage()
                        : "");
            }
        }
        return failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
    }
}
