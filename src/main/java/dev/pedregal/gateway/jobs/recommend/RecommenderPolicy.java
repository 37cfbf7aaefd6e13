package dev.pedregal.gateway.jobs.recommend;

import java.time.Duration;

/**
 * How long and how often the recommendation provider is asked, and when it is no longer asked.
 *
 * @param timeout how long one call to the provider may take
 * @param maxRetries retries after a call that failed (not one that timed out: submitting waits for it)
 * @param retryDelay delay before the first retry; doubled on each further retry
 * @param maxRetryDelay upper bound of the retry delay
 * @param breakerWindow calls the circuit breaker looks at (rolling window)
 * @param breakerFailureRatio share of failed calls in the window that opens the breaker
 * @param breakerDelay how long an open breaker answers at once, without calling the provider
 */
public record RecommenderPolicy(Duration timeout, int maxRetries, Duration retryDelay, Duration maxRetryDelay,
        int breakerWindow, double breakerFailureRatio, Duration breakerDelay) {

    /** 5 s per call, 2 retries at 200 ms and 400 ms; open for 30 s when half of the last 10 calls failed. */
    public static final RecommenderPolicy DEFAULTS = new RecommenderPolicy(Duration.ofSeconds(5), 2,
            Duration.ofMillis(200), Duration.ofSeconds(1), 10, 0.5, Duration.ofSeconds(30));
}
