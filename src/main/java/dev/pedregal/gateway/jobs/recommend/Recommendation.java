package dev.pedregal.gateway.jobs.recommend;

import java.util.List;

/**
 * Settings a provider suggests for a job, each with why.
 *
 * <p>
 * A setting is named the way the job manifest names it: {@code resources.driver.cores},
 * {@code resources.driver.memory}, {@code resources.executor.cores}, {@code resources.executor.memory},
 * {@code resources.executor.instances}, {@code resources.executor.minInstances},
 * {@code resources.executor.maxInstances}, {@code timeout} (an ISO-8601 duration, e.g. {@code PT45M}), or
 * {@code sparkConf.<key>} for one Spark configuration entry. Memory uses Spark's size syntax ({@code 5g}).
 */
public record Recommendation(List<Suggestion> suggestions) {

    public static final Recommendation NONE = new Recommendation(List.of());

    public Recommendation {
        suggestions = suggestions == null ? List.of() : List.copyOf(suggestions);
    }

    public boolean isEmpty() {
        return suggestions.isEmpty();
    }

    /**
     * @param setting the setting's manifest name (see {@link Recommendation})
     * @param value the suggested value
     * @param reason why, in a line the job's owner can check, e.g. "peak 3.9 GiB over the last 12 successful runs
     *        + 25% headroom"
     */
    public record Suggestion(String setting, String value, String reason) {

        public static Suggestion sparkConf(String key, String value, String reason) {
            return new Suggestion(JobSettings.SPARK_CONF + key, value, reason);
        }
    }
}
