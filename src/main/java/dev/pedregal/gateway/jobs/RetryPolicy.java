package dev.pedregal.gateway.jobs;

import java.time.Duration;

/**
 * How often a job is retried after platform failures, and how long it waits: {@code interval} after the first
 * attempt, multiplied by {@code backoffMultiplier} after each further one, never more than {@code maxInterval}.
 * User failures are never retried: the same spec would fail the same way.
 *
 * @param maxRetries attempts after the first; 0 means one attempt only
 */
public record RetryPolicy(int maxRetries, Duration interval, double backoffMultiplier, Duration maxInterval) {

    /** Applied when a job sets none. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(2, Duration.ofMinutes(1), 2.0, Duration.ofMinutes(10));
    /** Upper bound on maxRetries, so a typo cannot occupy capacity for days. */
    public static final int MAX_RETRIES = 10;

    /**
     * @param attempt the 1-based attempt that just failed
     */
    public boolean shouldRetry(FailureClass failureClass, int attempt) {
        return failureClass == FailureClass.PLATFORM && attempt <= maxRetries;
    }

    /** What an execution does after its attempt {@code attempt} failed with {@code failureClass}. */
    public ExecutionEvent afterFailure(FailureClass failureClass, int attempt) {
        if (failureClass == FailureClass.USER) {
            return ExecutionEvent.FAILED;
        }
        return shouldRetry(failureClass, attempt) ? ExecutionEvent.RETRYING : ExecutionEvent.RETRIES_EXHAUSTED;
    }

    /**
     * How long to wait before the attempt after {@code attempt}: interval × multiplier^(attempt − 1), capped at
     * maxInterval.
     */
    public Duration delay(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1: " + attempt);
        }
        double millis = interval.toMillis() * Math.pow(backoffMultiplier, attempt - 1);
        // The double saturates (Infinity) rather than overflowing, so the cap is reached for large attempts.
        return millis >= maxInterval.toMillis() ? maxInterval : Duration.ofMillis((long) millis);
    }
}
