package dev.pedregal.gateway.jobs.executions;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Batch jobs: the engine table, the image allowlist, limits, and the local runner (see docs/jobs.md). */
@ConfigMapping(prefix = "pedregal.jobs")
public interface JobsConfig {

    /** The engine table, keyed by the version jobs name (e.g. {@code "4.0"}). */
    Map<String, Engine> engines();

    /** Images jobs may run: prefixes, or {@code regex:} patterns matching the whole reference. */
    List<String> imageAllowlist();

    /** A job's timeout when it sets none (all attempts together). */
    @WithDefault("4h")
    Duration defaultTimeout();

    /** The longest timeout a job may set. */
    @WithDefault("24h")
    Duration maxTimeout();

    /** Driver log lines kept with a failed execution and served by the logs endpoint. */
    @WithDefault("50")
    int logLines();

    /** How long a finished run's resource or work directory is kept for its logs before it is removed. */
    @WithDefault("1h")
    Duration retention();

    /**
     * How often finished SparkApplications past the retention are looked for and deleted, once at startup and
     * then periodically, where a Kubernetes cluster is configured: the retention timer started when an execution
     * ends does not outlive the gateway process.
     */
    @WithDefault("10m")
    Duration sweepInterval();

    /** Which replica drives each unfinished execution (see docs/jobs.md, "Several replicas"). */
    Lease lease();

    /** The local runner: jobs as local Spark processes (the embedded default). */
    Local local();

    interface Lease {
        /**
         * How long a lease runs without renewal: after a replica dies, its executions wait up to this (plus one
         * renew interval) before another replica drives them.
         */
        @WithDefault("30s")
        Duration duration();

        /**
         * How often a replica renews the leases it holds (one UPDATE) and claims leases that ran out; well under
         * the duration, so that a late renewal or two loses nothing.
         */
        @WithDefault("10s")
        Duration renewInterval();

        /** The most executions one takeover scan claims; the next scan claims the rest. */
        @WithDefault("100")
        int claimBatch();
    }

    interface Engine {
        /** The engine type, e.g. {@code spark-oss}. */
        @WithDefault("spark-oss")
        String type();

        /** The full Spark version the version stands for, e.g. {@code 4.0.1}. */
        String sparkVersion();

        /** The image the version runs on Kubernetes. */
        String image();

        /** Why and until when the version is deprecated, and what to move to; current when unset. */
        Optional<String> deprecation();
    }

    interface Local {
        /** Where each run gets its work directory (log, pid and exit-code files). */
        @WithDefault(".local/run/jobs")
        String workDir();

        /** The most cores of {@code local[n]} a job may use, whatever its driver asks. */
        @WithDefault("2")
        int maxCores();

        /** Heap of a local job's JVM, whatever its driver asks (the local machine is small). */
        @WithDefault("1g")
        String driverMemory();

        /** Serve each local job's Spark UI on a free loopback port. */
        @WithDefault("true")
        boolean sparkUi();
    }
}
