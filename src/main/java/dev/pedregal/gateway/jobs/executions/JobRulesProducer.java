package dev.pedregal.gateway.jobs.executions;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.jobs.EngineRelease;
import dev.pedregal.gateway.jobs.ImageAllowlist;
import dev.pedregal.gateway.jobs.JobRules;
import dev.pedregal.gateway.jobs.JobSpecResolver;

/**
 * The platform's job rules from configuration: the engine table and allowlist from {@code pedregal.jobs.*}, the
 * environments (and the Spark configuration every job there starts from) from {@code pedregal.environments.*}.
 */
public class JobRulesProducer {

    @Produces
    @Singleton
    JobRules rules(JobsConfig jobs, GatewayConfig gateway) {
        List<EngineRelease> releases = jobs.engines().entrySet().stream().map(e -> e.getValue().deprecation()
                .map(why -> EngineRelease.deprecated(e.getValue().type(), e.getKey(), e.getValue().sparkVersion(),
                        e.getValue().image(), why))
                .orElseGet(() -> EngineRelease.current(e.getValue().type(), e.getKey(), e.getValue().sparkVersion(),
                        e.getValue().image())))
                .toList();
        Map<String, Map<String, String>> conf = new HashMap<>();
        gateway.environments().forEach((env, settings) -> conf.put(env, Map.copyOf(settings.sparkConf())));
        return new JobRules(releases, new ImageAllowlist(jobs.imageAllowlist()), conf, jobs.defaultTimeout(),
                jobs.maxTimeout());
    }

    @Produces
    @Singleton
    JobSpecResolver resolver(JobRules rules) {
        return new JobSpecResolver(rules);
    }
}
