package dev.pedregal.gateway.jobs;

/**
 * SUBMITTED → RUNNING → SUCCEEDED | FAILED | CANCELLED | TIMED_OUT, and DEAD_LETTER after a platform failure on
 * the last attempt. A retry takes a failed attempt back to SUBMITTED (the next attempt). States are observed by
 * watching the resource, and a watch can coalesce changes, so an attempt may end straight from SUBMITTED (it
 * ran and finished between two events, or never started: image pull, scheduling).
 */
public enum ExecutionState {
    SUBMITTED, RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, DEAD_LETTER;

    /** Nothing more happens to the execution. */
    public boolean terminal() {
        return this != SUBMITTED && this != RUNNING;
    }

    /** The state after {@code event}; throws {@link JobFailure.IllegalTransition} where the event cannot happen. */
    public ExecutionState next(ExecutionEvent event) {
        if (!accepts(event)) {
            throw new JobFailure.IllegalTransition(this, event);
        }
        return switch (event) {
            case STARTED -> RUNNING;
            case SUCCEEDED -> SUCCEEDED;
            case FAILED -> FAILED;
            case RETRYING -> SUBMITTED;
            case RETRIES_EXHAUSTED -> DEAD_LETTER;
            case CANCELLED -> CANCELLED;
            case TIMED_OUT -> TIMED_OUT;
        };
    }

    /** Whether {@link #next} accepts the event. */
    public boolean accepts(ExecutionEvent event) {
        // A second STARTED means a duplicate observation; the caller should drop it rather than record it.
        return !terminal() && !(this == RUNNING && event == ExecutionEvent.STARTED);
    }
}
