package dev.pedregal.gateway.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How the health of Kubernetes clusters is judged: {@code pedregal.cluster-health.<key>}. With the defaults a
 * cluster that stops answering is taken out of selection within interval × unhealthy-threshold + timeout = 8 s.
 */
@ConfigMapping(prefix = "pedregal.cluster-health")
public interface ClusterHealthConfig {

    /** Time between active checks (API server {@code /readyz}, the operator's CRD present). */
    @WithDefault("3s")
    Duration interval();

    /** An active check not answered within this counts as failed. */
    @WithDefault("2s")
    Duration timeout();

    /** Consecutive failed active checks that make a cluster unhealthy. */
    @WithDefault("2")
    int unhealthyThreshold();

    /** Consecutive failed API calls or forwards reported by callers that make a cluster unhealthy until its next good active check. */
    @WithDefault("3")
    int passiveThreshold();
}
