package dev.pedregal.gateway.backend.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.infrastructure.Infrastructure;

class ClusterCallsTest {

    /** The breaker opens when 5 of the last 6 attempts failed. */
    static final CallPolicy FAST = new CallPolicy(2, Duration.ofMillis(10), Duration.ofMillis(40), 6, 0.75,
            Duration.ofSeconds(30), Duration.ofSeconds(5));

    private final List<Boolean> outcomes = new ArrayList<>();

    ClusterCalls calls() {
        ClusterCalls calls = new ClusterCalls("k8s-a", FAST, Infrastructure.getDefaultWorkerPool());
        calls.outcomes(outcomes::add);
        return calls;
    }

    static KubernetesClientException http(int code) {
        return new KubernetesClientException(new StatusBuilder().withCode(code).withMessage("injected " + code).build());
    }

    @Test
    void serverErrorsAreRetriedWithBackoffThenReportedAsClusterUnavailable() {
        AtomicInteger attempts = new AtomicInteger();
        ClusterUnavailable failure = assertThrows(ClusterUnavailable.class, () -> calls().call("create thing", () -> {
            attempts.incrementAndGet();
            throw http(503);
        }).await().atMost(Duration.ofSeconds(5)));
        assertEquals(3, attempts.get(), "the first attempt and two retries");
        assertEquals("k8s-a", failure.cluster());
        assertEquals(Duration.ofSeconds(5), failure.retryAfter());
        assertTrue(failure.getMessage().contains("create thing: HTTP 503"), failure.getMessage());
        assertEquals(List.of(false), outcomes);
    }

    @Test
    void aRetryAfterSuggestedByTheApiServerIsPassedOn() {
        KubernetesClientException throttled = new KubernetesClientException(new StatusBuilder().withCode(429)
                .withMessage("too many requests").withNewDetails().withRetryAfterSeconds(7).endDetails().build());
        ClusterUnavailable failure = assertThrows(ClusterUnavailable.class, () -> calls().call("list", () -> {
            throw throttled;
        }).await().atMost(Duration.ofSeconds(5)));
        assertEquals(Duration.ofSeconds(7), failure.retryAfter());
    }

    @Test
    void aCallThatSucceedsOnRetryReturnsItsResult() {
        AtomicInteger attempts = new AtomicInteger();
        String result = calls().call("get", () -> {
            if (attempts.incrementAndGet() == 1) {
                throw new KubernetesClientException("connection refused", new ConnectException("refused"));
            }
            return "ok";
        }).await().atMost(Duration.ofSeconds(5));
        assertEquals("ok", result);
        assertEquals(2, attempts.get());
        assertEquals(List.of(true), outcomes);
    }

    @Test
    void answersThatAreNotAboutTheClusterPassThroughWithoutRetry() {
        AtomicInteger attempts = new AtomicInteger();
        KubernetesClientException conflict = http(409);
        KubernetesClientException thrown = assertThrows(KubernetesClientException.class, () -> calls().call("create", () -> {
            attempts.incrementAndGet();
            throw conflict;
        }).await().atMost(Duration.ofSeconds(5)));
        assertSame(conflict, thrown);
        assertEquals(1, attempts.get());
        assertEquals(List.of(true), outcomes, "a 409 is the cluster answering");
    }

    @Test
    void theBreakerOpensForTheWholeClusterAndThenRefusesWithoutCalling() {
        ClusterCalls calls = calls();
        AtomicInteger attempts = new AtomicInteger();
        for (int i = 0; i < 2; i++) { // 2 calls x 3 attempts: the window of 6 is full of failures
            assertThrows(ClusterUnavailable.class, () -> calls.call("create", () -> {
                attempts.incrementAndGet();
                throw http(500);
            }).await().atMost(Duration.ofSeconds(5)));
        }
        assertEquals(CircuitBreakerState.OPEN, calls.breakerState());
        int before = attempts.get();
        // Another operation on the same cluster is refused too: the breaker is per cluster, not per method.
        ClusterUnavailable refused = assertThrows(ClusterUnavailable.class, () -> calls.call("delete", () -> {
            attempts.incrementAndGet();
            return "deleted";
        }).await().atMost(Duration.ofSeconds(5)));
        assertEquals(before, attempts.get(), "an open breaker does not call the cluster");
        assertEquals(FAST.breakerDelay(), refused.retryAfter());
        assertTrue(refused.getMessage().contains("circuit breaker open"), refused.getMessage());
        assertInstanceOf(org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException.class, refused.getCause());

        ClusterCalls otherCluster = new ClusterCalls("k8s-b", FAST, Infrastructure.getDefaultWorkerPool());
        assertEquals("fine", otherCluster.call("get", () -> "fine").await().atMost(Duration.ofSeconds(5)));
    }
}
