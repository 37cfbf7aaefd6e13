package dev.pedregal.gateway.jobs.executions;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.jobs.JobRunner;
import dev.pedregal.gateway.jobs.ResolvedJob;
import dev.pedregal.gateway.jobs.local.LocalJobRunner;
import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;

/**
 * INTEGRATION HOOK (Kubernetes): where an execution runs and which runner runs it there. {@link #target} is asked
 * once per new execution and stored with it; {@link #runner} for every attempt, and again after a restart for
 * executions that were running. The default runs everything as local Spark processes (target {@code local}); the
 * integrator replaces it with one that picks a Kubernetes cluster (cluster selection) and its JobRunner.
 */
public interface JobPlacement {

    String LOCAL = "local";

    Uni<String> target(ResolvedJob job);

    JobRunner runner(String target);

    /** Every job runs locally. */
    @ApplicationScoped
    @DefaultBean
    class Local implements JobPlacement {
        private final LocalJobRunner runner;

        public Local(LocalJobRunner runner) {
            this.runner = runner;
        }

        @Override
        public Uni<String> target(ResolvedJob job) {
            return Uni.createFrom().item(LOCAL);
        }

        @Override
        public JobRunner runner(String target) {
            return runner;
        }
    }
}
