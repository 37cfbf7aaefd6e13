package dev.pedregal.gateway.jobs;

import java.util.List;
import java.util.OptionalInt;

/**
 * What is known about an attempt that ended without success.
 *
 * @param exitCode the driver container's exit code, when the pod was seen to terminate
 * @param terminationReason the container's or pod's reason ({@code OOMKilled}, {@code Evicted},
 *        {@code ImagePullBackOff}, ...), empty when none
 * @param operatorMessage the Spark operator's state and error message for the application, empty when none
 * @param lastLogLines the driver's last log lines, oldest first
 */
public record FinishedAttempt(OptionalInt exitCode, String terminationReason, String operatorMessage,
        List<String> lastLogLines) {

    public FinishedAttempt {
        terminationReason = terminationReason == null ? "" : terminationReason;
        operatorMessage = operatorMessage == null ? "" : operatorMessage;
        lastLogLines = lastLogLines == null ? List.of() : List.copyOf(lastLogLines);
    }
}
