package dev.pedregal.gateway.jobs;

import java.time.Instant;

/**
 * An observation of a run.
 *
 * @param finished  for {@link Kind#FAILED}: what is known about how it ended (exit code, reason, last log lines)
 * @param sparkUiUrl the driver's Spark UI, when known
 * @param logsUrl   where the driver's logs can be read, when known
 */
public record RunUpdate(Kind kind, Instant at, FinishedAttempt finished, String sparkUiUrl, String logsUrl) {

    public enum Kind {
        /** The driver is running. */
        STARTED,
        /** The application ended successfully. */
        SUCCEEDED,
        /** The application ended without success (classified by {@link FailureClassifier}). */
        FAILED
    }

    public boolean terminal() {
        return kind != Kind.STARTED;
    }
}
