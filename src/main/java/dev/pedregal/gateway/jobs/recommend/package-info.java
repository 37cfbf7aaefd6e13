/**
 * Recommendations before submit: a job that opts in ({@link dev.pedregal.gateway.jobs.RecommendationMode}) is
 * shown to a {@link dev.pedregal.gateway.jobs.recommend.RecommendationProvider} — by default
 * {@link dev.pedregal.gateway.jobs.recommend.HistoryRecommendations}, from the job's past runs — through the
 * {@link dev.pedregal.gateway.jobs.recommend.Recommender}, which bounds, retries and circuit-breaks the call and
 * decides what is submitted. The user's own settings always win; a failing provider never stops a submit.
 *
 * <p>
 * Threading: everything returns {@code Uni}; nothing blocks. The SmallRye Fault Tolerance guard runs its
 * timeout and backoff on its own timer.
 */
package dev.pedregal.gateway.jobs.recommend;
