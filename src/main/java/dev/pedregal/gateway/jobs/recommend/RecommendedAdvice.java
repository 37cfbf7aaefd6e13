package dev.pedregal.gateway.jobs.recommend;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.jobs.JobHistory;
import dev.pedregal.gateway.jobs.RecommendationMode;
import dev.pedregal.gateway.jobs.ResolvedJob;
import dev.pedregal.gateway.jobs.executions.SubmitAdvice;
import io.smallrye.mutiny.Uni;

/**
 * Submit advice from the recommender over the job's own history (the default provider), behind its timeout,
 * retries and circuit breaker. The before/after diff is logged and returned to the caller as notes.
 */
@ApplicationScoped
public class RecommendedAdvice implements SubmitAdvice {

    private static final Logger LOG = Logger.getLogger(RecommendedAdvice.class);

    private final Recommender recommender;

    public RecommendedAdvice(JobHistory history) {
        this.recommender = new Recommender(new HistoryRecommendations(history, HistoryRecommendations.Settings.DEFAULTS),
                RecommenderPolicy.DEFAULTS);
    }

    @Override
    public Uni<Advice> advise(ResolvedJob job, RecommendationMode mode) {
        if (mode == null || mode == RecommendationMode.OFF) {
            return Uni.createFrom().item(Advice.none(job));
        }
        return recommender.recommend(job, mode).map(outcome -> {
            List<String> notes = new ArrayList<>();
            outcome.providerFailure().ifPresent(reason -> notes.add("recommendations unavailable (" + reason
                    + "): submitted as is"));
            outcome.diff().forEach((setting, change) -> notes.add((change.applied() ? "applied " : "suggested ")
                    + setting + ": " + change.before() + " -> " + change.after()
                    + (change.reason() == null ? "" : " (" + change.reason() + ")")));
            if (!outcome.diff().isEmpty()) {
                LOG.infof("Recommendations for job %s (%s): %s", job.spec().name(), mode, outcome.diff());
            }
            return new Advice(outcome.job(), notes);
        }).onFailure().recoverWithItem(e -> new Advice(job, List.of("recommendations unavailable (" + e.getMessage()
                + "): submitted as is")));
    }
}
