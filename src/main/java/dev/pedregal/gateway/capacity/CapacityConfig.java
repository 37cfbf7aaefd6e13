package dev.pedregal.gateway.capacity;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/**
 * Settings of the capacity calendar, meant as {@code pedregal.capacity.*}: a group to add to {@code GatewayConfig}
 * when the calendar is wired (tests implement it directly).
 */
public interface CapacityConfig {

    /** Longest wait for one Redis round trip; beyond it the call fails closed with {@link CapacityUnavailable}. */
    @WithDefault("500ms")
    Duration redisTimeout();

    /** Retry hint given with {@link CapacityUnavailable}. */
    @WithDefault("2s")
    Duration unavailableRetryAfter();

    /** How long a hold counts before it must be committed. */
    @WithDefault("2m")
    Duration holdTtl();

    /** How far ahead a denied request looks for the earliest time it would fit (for RetryInfo). */
    @WithDefault("2h")
    Duration waitBudget();

    /** How long slices and released/expired reservation records are kept after they end (must exceed any hold TTL). */
    @WithDefault("1d")
    Duration retention();

    /** Expired holds reversed per pool per sweep call. */
    @WithDefault("256")
    int sweepBatch();

    /** How often the sweeper runs. */
    @WithDefault("5s")
    Duration sweepInterval();
}
