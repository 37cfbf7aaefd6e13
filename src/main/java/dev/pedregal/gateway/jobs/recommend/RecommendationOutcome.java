package dev.pedregal.gateway.jobs.recommend;

import java.util.Map;
import java.util.Optional;

import dev.pedregal.gateway.jobs.RecommendationMode;
import dev.pedregal.gateway.jobs.ResolvedJob;

/**
 * What asking for a recommendation came to.
 *
 * @param job the job to submit: the one asked about for OFF and SUGGEST and whenever the provider failed; for
 *        APPLY, with the suggested values applied where the user set nothing
 * @param recommendation the provider's answer; empty for OFF or when it failed
 * @param diff per setting the provider would change: the job's value before, the suggested value, whether it was
 *        applied (never for OFF/SUGGEST, nor for a setting the user set) and why it was suggested
 * @param providerFailure why the job runs without a recommendation (timeout, circuit open, error), when it does
 */
public record RecommendationOutcome(ResolvedJob job, RecommendationMode mode, Optional<Recommendation> recommendation,
        Map<String, Change> diff, Optional<String> providerFailure) {

    public RecommendationOutcome {
        diff = Map.copyOf(diff);
    }

    /**
     * @param before the job's value, empty when unset
     * @param userSet whether the user's spec set it: then it is never applied
     */
    public record Change(String before, String after, boolean applied, boolean userSet, String reason) {
    }

    public boolean providerFailed() {
        return providerFailure.isPresent();
    }

    /** The settings whose value the submitted job has from the recommendation. */
    public Map<String, Change> applied() {
        return diff.entrySet().stream().filter(e -> e.getValue().applied())
                .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
