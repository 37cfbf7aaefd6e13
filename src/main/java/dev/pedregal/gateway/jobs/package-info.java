/**
 * Batch jobs: a {@link dev.pedregal.gateway.jobs.JobSpec} is resolved for its environment
 * ({@link dev.pedregal.gateway.jobs.JobSpecResolver}), runs as one or more attempts whose life is the
 * {@link dev.pedregal.gateway.jobs.ExecutionState} machine, and a failed attempt is classified
 * ({@link dev.pedregal.gateway.jobs.FailureClassifier}) so that only platform failures are retried
 * ({@link dev.pedregal.gateway.jobs.RetryPolicy}). Everything here is pure: no I/O, safe on any thread.
 */
package dev.pedregal.gateway.jobs;
