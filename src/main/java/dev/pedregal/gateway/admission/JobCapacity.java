package dev.pedregal.gateway.admission;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.jobs.ExecutionState;
import dev.pedregal.gateway.jobs.JobSpec;
import dev.pedregal.gateway.jobs.ResolvedJob;
import dev.pedregal.gateway.jobs.executions.JobAdmission;
import io.smallrye.mutiny.Uni;

/**
 * A job reserves its largest size (the driver and every executor it may scale to) for its timeout, the longest it
 * may run; the reservation is released when the execution ends, and its actual runtime is charged.
 */
@ApplicationScoped
public class JobCapacity implements JobAdmission {

    private final Reservations reservations;

    public JobCapacity(Reservations reservations) {
        this.reservations = reservations;
    }

    @Override
    public Uni<Void> admit(ResolvedJob job, String executionId) {
        if (!reservations.enabled()) {
            return Uni.createFrom().voidItem();
        }
        JobSpec spec = job.spec();
        String pool = reservations.poolFor(spec.environment(), null).orElse(null);
        if (pool == null) {
            return Uni.createFrom().voidItem();
        }
        Instant now = Instant.now();
        return reservations.reserve("job", executionId, id(executionId), spec.team(), pool, size(spec), now,
                now.plus(job.timeout())).replaceWithVoid();
    }

    @Override
    public Uni<Void> ended(ResolvedJob job, String executionId, ExecutionState state) {
        if (reservations.enabled()) {
            reservations.poolFor(job.spec().environment(), null)
                    .ifPresent(pool -> reservations.release(pool, id(executionId), "execution " + executionId));
        }
        return Uni.createFrom().voidItem();
    }

    static Resources size(JobSpec spec) {
        JobSpec.Pod driver = spec.resources().driver();
        JobSpec.Executors executors = spec.resources().executor();
        int count = Math.max(executors.instances(), executors.maxInstances());
        Resources one = Resources.of(executors.cores(), executors.memory());
        return Resources.of(driver.cores(), driver.memory()).plus(one.times(count));
    }

    private static String id(String executionId) {
        return "job-" + executionId;
    }
}
