package dev.pedregal.gateway.jobs;

import static dev.pedregal.gateway.jobs.FailureClass.PLATFORM;
import static dev.pedregal.gateway.jobs.FailureClass.USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FailureClassifierTest {

    static final List<String> ANALYSIS = List.of("Exception in thread \"main\" "
            + "org.apache.spark.sql.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] The table `raw.evnts` cannot be found.",
            "\tat org.apache.spark.sql.catalyst.analysis.package$AnalysisErrorAt.tableNotFound(package.scala:87)");
    static final List<String> HEAP = List.of("Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space",
            "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)");

    static Stream<Arguments> attempts() {
        return Stream.of(
                // Kubernetes' word wins over what the log says.
                row(137, "OOMKilled", "", List.of(), PLATFORM, "memoryOverhead"),
                row(137, "OOMKilled", "", ANALYSIS, PLATFORM, "memoryOverhead"),
                row(null, "", "", List.of(), PLATFORM, "without an exit code"),
                row(137, "", "", List.of(), PLATFORM, "memoryOverhead"),
                row(143, "", "", List.of(), PLATFORM, "drained"),
                row(null, "ImagePullBackOff", "", List.of(), PLATFORM, "pull secret"),
                row(null, "ErrImagePull", "", List.of(), PLATFORM, "pull secret"),
                row(null, "", "SUBMISSION_FAILED: driver pod stuck in ImagePullBackOff", List.of(), PLATFORM,
                        "pull secret"),
                row(null, "Evicted", "The node was low on resource: memory.", List.of(), PLATFORM, "ran short"),
                row(null, "", "DriverEvicted", List.of(), PLATFORM, "ran short"),
                row(null, "NodeLost", "", List.of(), PLATFORM, "retried"),
                row(null, "", "FAILED: driver pod deleted: node lost", List.of(), PLATFORM, "retried"),
                row(null, "", "Pod was preempted by higher priority pod", List.of(), PLATFORM, "preemption"),
                row(null, "Unschedulable", "0/12 nodes are available: Insufficient cpu", List.of(), PLATFORM,
                        "lacks capacity"),
                row(null, "", "DriverStartTimedOut", List.of(), PLATFORM, "retried"),
                row(1, "Error", "", List.of("org.apache.spark.SparkException: Job aborted due to stage failure: "
                        + "ExecutorLostFailure (executor 3 exited caused by one of the running tasks)"), PLATFORM,
                        "memoryOverhead"),
                row(1, "Error", "", List.of("Container killed by the node: exceeding memory limits"), PLATFORM,
                        "memoryOverhead"),
                // The user's own failures.
                row(1, "Error", "", HEAP, USER, "resources.executor.memory"),
                row(1, "Error", "", ANALYSIS, USER, "does not exist"),
                row(1, "Error", "", List.of("Error: Failed to load class com.acme.etl.Main.",
                        "java.lang.ClassNotFoundException: com.acme.etl.Main"), USER, "mainClass"),
                row(1, "Error", "", List.of("java.lang.NoClassDefFoundError: org/apache/iceberg/Table"), USER,
                        "bundles its dependencies"),
                row(1, "Error", "", List.of("Traceback (most recent call last):", "  File \"/opt/app/job.py\", "
                        + "line 12, in <module>", "ZeroDivisionError: division by zero"), USER, "traceback"),
                row(1, "Error", "", List.of("Exception in thread \"main\" java.lang.IllegalStateException: no input",
                        "\tat com.acme.etl.Main.main(Main.java:20)"), USER, "stack trace"),
                row(2, "Error", "", List.of("usage: job.py --date DATE"), USER, "exited with code 2"));
    }

    static Arguments row(Integer exit, String reason, String operator, List<String> log, FailureClass expected,
            String hintContains) {
        return Arguments.of(new FinishedAttempt(exit == null ? OptionalInt.empty() : OptionalInt.of(exit), reason,
                operator, log), expected, hintContains);
    }

    @ParameterizedTest
    @MethodSource("attempts")
    void classifiesByTheFirstMatchingRule(FinishedAttempt attempt, FailureClass expected, String hintContains) {
        Classification c = new FailureClassifier().classify(attempt);
        assertEquals(expected, c.failureClass(), c.reason());
        assertTrue((c.reason() + " / " + c.hint()).contains(hintContains), c.reason() + " / " + c.hint());
    }
}
