package dev.pedregal.gateway.backend.kubernetes;

import java.time.Duration;

/**
 * Retry and circuit breaking of one Kubernetes cluster's API calls.
 *
 * @param maxRetries retries after the first attempt of a call that failed with 429, 5xx or no connection
 * @param initialDelay delay before the first retry; doubled on each further retry
 * @param maxDelay upper bound of the retry delay
 * @param breakerWindow calls the breaker looks at (rolling window)
 * @param breakerFailureRatio share of failed calls in the window that opens the breaker
 * @param breakerDelay how long an open breaker refuses calls before letting a trial call through
 * @param defaultRetryAfter retry-after given to callers when the API server did not suggest one
 */
public record CallPolicy(int maxRetries, Duration initialDelay, Duration maxDelay, int breakerWindow,
        double breakerFailureRatio, Duration breakerDelay, Duration defaultRetryAfter) {

    /**
     * 3 retries at 200 ms, 400 ms, 800 ms; the breaker opens when half of the last 20 attempts failed (about three
     * calls failing through all their retries), for 10 s.
     */
    public static final CallPolicy DEFAULTS = new CallPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(2), 20, 0.5,
            Duration.ofSeconds(10), Duration.ofSeconds(5));
}
