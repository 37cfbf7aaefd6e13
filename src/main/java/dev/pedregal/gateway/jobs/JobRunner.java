package dev.pedregal.gateway.jobs;

import java.time.Duration;
import java.util.List;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Where the attempts of a job run: a SparkApplication on a Kubernetes cluster, or a local Spark process. The
 * execution service drives states from what {@link #watch} reports; a runner never decides retries itself.
 */
public interface JobRunner {

    /**
     * Starts one attempt. Completes once the run is accepted (resource created, process spawned) with the
     * vendor run id. Idempotent by (execution id, attempt): starting an attempt that exists answers its id.
     */
    Uni<String> start(RunRequest run);

    /**
     * What happens to a run from now on: {@link RunUpdate.Kind#STARTED} when its driver runs, then exactly one
     * terminal update, then completion. Driven by watching the resource or process, not by polling. Works for a
     * run started by an earlier gateway process (after a restart), from the request alone.
     */
    Multi<RunUpdate> watch(RunRequest run);

    /** Stops a run. Stopping a run that has ended or never existed succeeds. */
    Uni<Void> cancel(RunRequest run);

    /** The run's last {@code lines} driver log lines, oldest first; empty when none are available. */
    Uni<List<String>> logs(RunRequest run, int lines);

    /** Removes what a finished run left behind (its resource, its work directory) once {@code retention} has passed. */
    Uni<Void> cleanup(RunRequest run, Duration retention);
}
