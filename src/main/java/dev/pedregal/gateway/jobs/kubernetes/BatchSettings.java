package dev.pedregal.gateway.jobs.kubernetes;

import java.time.Duration;
import java.util.Optional;

/**
 * How batch SparkApplications are run on one Kubernetes cluster.
 *
 * @param driverServiceAccount the service account drivers create their executors with (jobs may not choose one:
 *        {@code spark.kubernetes.authenticate.*} is reserved); the namespace's default when empty
 * @param failureLogLines how many driver log lines a failed attempt reports
 * @param rewatchDelay first delay before a watch that the API server ended with an error is re-established;
 *        doubled while re-establishing keeps failing, up to {@code 30 × rewatchDelay}
 */
public record BatchSettings(Optional<String> driverServiceAccount, int failureLogLines, Duration rewatchDelay) {

    public static final BatchSettings DEFAULTS = new BatchSettings(Optional.empty(), 50, Duration.ofSeconds(1));
}
