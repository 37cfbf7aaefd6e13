package dev.pedregal.gateway.jobs;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The platform's side of job resolution.
 *
 * @param releases the engine table: versions jobs may name, current and deprecated
 * @param allowlist the images jobs may run
 * @param environmentConf per environment (its keys are the known environments), the Spark configuration every
 *        job there starts from: catalog, shuffle partitions, dynamic allocation, event log
 * @param defaultTimeout a job's timeout when it sets none
 * @param maxTimeout the longest timeout a job may set
 */
public record JobRules(List<EngineRelease> releases, ImageAllowlist allowlist,
        Map<String, Map<String, String>> environmentConf, Duration defaultTimeout, Duration maxTimeout) {

    public JobRules {
        releases = List.copyOf(releases);
        environmentConf = Map.copyOf(environmentConf);
    }
}
