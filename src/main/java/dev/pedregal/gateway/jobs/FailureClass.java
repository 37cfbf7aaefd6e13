package dev.pedregal.gateway.jobs;

/** Whose failure an attempt's end was; only {@link #PLATFORM} failures are retried. */
public enum FailureClass {
    /** The job's code, data or configuration: the same spec fails the same way again. */
    USER,
    /** The platform: nodes, image pulls, evictions, container memory limits. Another attempt may succeed. */
    PLATFORM
}
