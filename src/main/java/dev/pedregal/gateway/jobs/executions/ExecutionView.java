package dev.pedregal.gateway.jobs.executions;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.pedregal.gateway.jobs.ExecutionState;
import dev.pedregal.gateway.jobs.FailureClass;

/**
 * An execution as callers see it (REST body, gRPC {@code ExecutionState}, Watch stream items): an immutable snapshot
 * of its row. {@code version} orders snapshots of one execution.
 */
public record ExecutionView(UUID id, String team, String name, String owner, String environment, ExecutionState state,
        int attempt, String vendorRunId, String target, String image, String submittedBy, Instant submittedAt,
        Instant startedAt, Instant finishedAt, Instant updatedAt, Instant nextAttemptAt, String reason, String hint,
        FailureClass failureClass, List<String> lastLogLines, String sparkUiUrl, String logsUrl, long version) {

    public ExecutionView {
        lastLogLines = lastLogLines == null ? List.of() : List.copyOf(lastLogLines);
    }
}
