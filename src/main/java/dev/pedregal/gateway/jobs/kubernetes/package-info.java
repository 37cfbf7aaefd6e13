/**
 * Batch job attempts on Kubernetes: each attempt is one SparkApplication of the cluster's Spark operator
 * ({@link dev.pedregal.gateway.jobs.kubernetes.BatchApplication}, both operator flavours), in the team's namespace,
 * started, watched, cancelled and cleaned up by
 * {@link dev.pedregal.gateway.jobs.kubernetes.SparkApplicationRunner}.
 *
 * <p>
 * Threading: fabric8 calls block, so every one runs on a worker thread through the cluster's
 * {@code ClusterCalls} (retry and circuit breaker) and is exposed as a {@code Uni}. A run's watch receives events
 * on fabric8's threads and emits its updates one at a time under its own lock.
 */
package dev.pedregal.gateway.jobs.kubernetes;
