package dev.pedregal.gateway.jobs.executions;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.jobs.ExecutionState;
import dev.pedregal.gateway.jobs.ResolvedJob;
import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;

/**
 * INTEGRATION HOOK (capacity): whether an execution may run now, and when it has stopped using capacity. The
 * default admits everything; the integrator replaces it with a bean that holds capacity through the calendar.
 * {@link #admit} runs once per execution, after it is stored and before its first attempt starts; a failure
 * refuses the execution (it ends FAILED with the failure's message as its reason). {@link #ended} runs once when it
 * reaches a terminal state, with that state.
 */
public interface JobAdmission {

    Uni<Void> admit(ResolvedJob job, String executionId);

    Uni<Void> ended(ResolvedJob job, String executionId, ExecutionState state);

    /** Admits everything. */
    @ApplicationScoped
    @DefaultBean
    class Open implements JobAdmission {
        @Override
        public Uni<Void> admit(ResolvedJob job, String executionId) {
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Void> ended(ResolvedJob job, String executionId, ExecutionState state) {
            return Uni.createFrom().voidItem();
        }
    }
}
