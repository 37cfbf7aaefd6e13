package dev.pedregal.gateway.placement;

import java.time.Duration;

import dev.pedregal.gateway.config.ClusterHealthConfig;

/** Cluster health settings for tests, without a Quarkus boot. */
record HealthSettings(Duration interval, Duration timeout, int unhealthyThreshold, int passiveThreshold)
        implements ClusterHealthConfig {

    /** The shipped defaults (see ClusterHealthConfig). */
    static final HealthSettings DEFAULTS = new HealthSettings(Duration.ofSeconds(3), Duration.ofSeconds(2), 2, 3);
}
