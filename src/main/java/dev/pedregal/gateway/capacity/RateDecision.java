package dev.pedregal.gateway.capacity;

import java.time.Duration;

/**
 * The answer of a rate limiter, with what REST needs for {@code Retry-After} and {@code RateLimit-*} headers
 * and gRPC for {@code RetryInfo}.
 *
 * @param remaining  requests still allowed right now
 * @param retryAfter when denied, how long until one request is allowed again; zero when allowed
 * @param resetAfter how long until the full burst is available again
 */
public record RateDecision(boolean allowed, long remaining, Duration retryAfter, Duration resetAfter) {
}
