package dev.pedregal.gateway.jobs.recommend;

import dev.pedregal.gateway.jobs.ResolvedJob;
import io.smallrye.mutiny.Uni;

/**
 * Suggests settings for a job before it is submitted: from the job's history ({@link HistoryRecommendations}) or
 * an external tuning service. Called through {@link Recommender}, which bounds its time, retries it and stops
 * calling it while it keeps failing; a provider only answers.
 */
public interface RecommendationProvider {

    /** What to change in the job; an empty recommendation when there is nothing to say. */
    Uni<Recommendation> recommend(ResolvedJob job);

    /** For logs and the outcome, e.g. {@code history}. */
    String name();
}
