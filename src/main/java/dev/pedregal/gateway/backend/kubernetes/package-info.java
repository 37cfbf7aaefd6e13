/**
 * Drivers on Kubernetes: each driver is a SparkApplication of the cluster's Spark operator
 * ({@link dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor}) running Spark Connect on port 15002 in the
 * pool's namespace {@code sjns-<team>-<env>}.
 *
 * <p>
 * Threading: fabric8 calls block, so every one runs on a worker thread through
 * {@link dev.pedregal.gateway.backend.kubernetes.ClusterCalls} (with retry and the cluster's circuit breaker) and
 * is exposed as a {@code Uni}; nothing here blocks an event loop. Driver pods and SparkApplications are followed
 * by informers whose callbacks run on fabric8's informer threads and only complete futures.
 */
package dev.pedregal.gateway.backend.kubernetes;
