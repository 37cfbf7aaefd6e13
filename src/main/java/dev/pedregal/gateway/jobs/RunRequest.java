package dev.pedregal.gateway.jobs;

/**
 * One attempt of an execution, as a runner needs it.
 *
 * @param executionId the gateway's id of the execution (stable across attempts)
 * @param attempt     1-based attempt number
 * @param team        the owning team (names its namespace on Kubernetes)
 * @param target      where the attempt runs: a Kubernetes cluster target name, or {@code local}
 * @param job         the resolved job
 */
public record RunRequest(String executionId, int attempt, String team, String target, ResolvedJob job) {

    /** The name of the run's resource or work directory: unique per attempt, DNS-1123, at most 63 characters. */
    public String runName() {
        String base = job.spec().name() + "-" + executionId.substring(0, Math.min(8, executionId.length())) + "-" + attempt;
        return base.length() <= 63 ? base : base.substring(base.length() - 63).replaceFirst("^[^a-z0-9]+", "");
    }
}
