package dev.pedregal.gateway.capacity;

import java.time.Duration;

/** {@link CapacityConfig} for plain JUnit tests (no Quarkus boot). */
record TestConfig(Duration redisTimeout, Duration unavailableRetryAfter, Duration holdTtl, Duration waitBudget,
        Duration retention, int sweepBatch, Duration sweepInterval) implements CapacityConfig {

    static TestConfig defaults() {
        return new TestConfig(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofHours(2),
                Duration.ofDays(1), 256, Duration.ofSeconds(5));
    }

    TestConfig withRedisTimeout(Duration timeout) {
        return new TestConfig(timeout, unavailableRetryAfter, holdTtl, waitBudget, retention, sweepBatch, sweepInterval);
    }

    TestConfig withRetention(Duration retention) {
        return new TestConfig(redisTimeout, unavailableRetryAfter, holdTtl, waitBudget, retention, sweepBatch, sweepInterval);
    }
}
