package dev.pedregal.gateway.jobs;

import java.util.List;

import io.smallrye.mutiny.Uni;

/** Previous runs of a job (same team and job name), newest first. Backed by the executions table. */
public interface JobHistory {

    Uni<List<PastRun>> recent(String team, String jobName, int limit);
}
