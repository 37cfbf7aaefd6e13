package dev.pedregal.gateway.jobs;

/** What happened to an execution, as observed on its SparkApplication (or local process) or asked by a caller. */
public enum ExecutionEvent {
    /** The driver is running. */
    STARTED,
    /** The application ended successfully. */
    SUCCEEDED,
    /** The attempt failed and will not be retried: a user failure. */
    FAILED,
    /** The attempt failed on the platform and another attempt will be submitted. */
    RETRYING,
    /** The attempt failed on the platform and it was the last one the retry policy allows. */
    RETRIES_EXHAUSTED,
    /** The caller cancelled it. */
    CANCELLED,
    /** It ran past its timeout. */
    TIMED_OUT
}
