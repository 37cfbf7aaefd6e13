package dev.pedregal.gateway.jobs.executions;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.jobs.RecommendationMode;
import dev.pedregal.gateway.jobs.ResolvedJob;
import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;

/**
 * INTEGRATION HOOK (recommendations): asked once per new submit, after resolution and before the execution is
 * stored, with the spec's {@link RecommendationMode}. The integrator replaces the default with a bean calling
 * {@code jobs.recommend.Recommender.recommend(job, mode)}: in SUGGEST mode it returns the job unchanged with the
 * recommendation as notes; in APPLY mode the job with the recommended settings applied. The notes go back to the
 * caller with the resolution warnings. A failure must not refuse the job: the implementation should fall back to
 * {@link Advice#none}.
 */
public interface SubmitAdvice {

    Uni<Advice> advise(ResolvedJob job, RecommendationMode mode);

    /** The job to run and what to tell the caller about it. */
    record Advice(ResolvedJob job, List<String> notes) {
        public Advice {
            notes = List.copyOf(notes);
        }

        public static Advice none(ResolvedJob job) {
            return new Advice(job, List.of());
        }
    }

    /** Runs every job as submitted. */
    @ApplicationScoped
    @DefaultBean
    class AsSubmitted implements SubmitAdvice {
        @Override
        public Uni<Advice> advise(ResolvedJob job, RecommendationMode mode) {
            return Uni.createFrom().item(Advice.none(job));
        }
    }
}
