package dev.pedregal.gateway.jobs;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A job ready to run: its spec with its environment's overrides applied, the engine and image it runs, the
 * effective Spark configuration (environment defaults under the user's), and the warnings to return to the
 * caller (deprecated versions, overrides for unknown environments).
 */
public record ResolvedJob(JobSpec spec, EngineRelease release, String image, Map<String, String> sparkConf,
        Duration timeout, RetryPolicy retryPolicy, List<String> warnings) {

    public ResolvedJob {
        sparkConf = Map.copyOf(sparkConf);
        warnings = List.copyOf(warnings);
    }
}
