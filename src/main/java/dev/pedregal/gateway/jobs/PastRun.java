package dev.pedregal.gateway.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A finished attempt of a job, as the default recommendation provider reads history.
 *
 * @param sparkConf   the effective Spark configuration it ran with
 * @param peakMemoryMib the highest driver/executor memory use seen, 0 when unknown
 */
public record PastRun(String executionId, ExecutionState state, Instant finishedAt, Duration runtime,
        Map<String, String> sparkConf, long peakMemoryMib) {
}
