package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.util.List;

import io.smallrye.mutiny.Uni;

/**
 * Rate limits shared by every gateway replica: GCRA (the generic cell rate algorithm, a token bucket kept as one
 * timestamp per key) in the Redis function {@code rate}, one round trip per request. Keys are whatever the
 * caller limits by, e.g. {@code session:team:analytics} or {@code rest:user:alice}. Redis trouble fails the
 * call with {@link CapacityUnavailable}; whether to refuse or let the request through is the caller's policy.
 */
public final class RateLimiter {

    private final CapacityFunctions functions;

    public RateLimiter(CapacityFunctions functions) {
        this.functions = functions;
    }

    /** Takes one request from the key's allowance. */
    public Uni<RateDecision> acquire(String key, RateLimit limit) {
        return functions.call("rate", List.of(CalendarKeys.rate(key)),
                List.of(String.format(java.util.Locale.ROOT, "%.3f", limit.intervalMillis()), limit.burst(), 1))
                .map(reply -> new RateDecision(reply.get(0).toInteger() == 1, reply.get(1).toLong(),
                        Duration.ofMillis(reply.get(2).toLong()), Duration.ofMillis(reply.get(3).toLong())));
    }
}
