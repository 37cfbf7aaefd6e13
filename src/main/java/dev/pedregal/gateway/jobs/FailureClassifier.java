package dev.pedregal.gateway.jobs;

import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Decides whose failure an attempt's end was, from the first rule that matches, in this order:
 * <ol>
 * <li>What Kubernetes says about the pod (termination reason, operator message): it is definitive, and a user
 * stack trace in the log is often only the symptom (executors killed under a running stage).</li>
 * <li>Platform patterns in the log (lost executors, a killed container).</li>
 * <li>User patterns in the log (analysis errors, missing classes, Python tracebacks, heap exhaustion).</li>
 * <li>The exit code alone.</li>
 * </ol>
 * Memory, decided: a container killed at its memory limit ({@code OOMKilled}, exit 137) is PLATFORM — the pod's
 * limit is heap plus overhead, and the overhead is the platform's to size (and co-located pressure can cause it),
 * so it is retried, with a hint to raise memoryOverhead. A JVM {@code java.lang.OutOfMemoryError} with the
 * container still inside its limit is USER: the heap the job asked for is too small for its data, and the same
 * spec would fail the same way. A non-zero exit that matches nothing is USER (retrying a bug wastes capacity); a
 * driver that vanished without an exit code or any reason is PLATFORM.
 */
public final class FailureClassifier {

    private static final String MEMORY_OVERHEAD_HINT = "the container hit its memory limit: raise "
            + "spark.driver.memoryOverhead / spark.executor.memoryOverhead (or resources.*.memory); "
            + "the attempt is retried";

    private static final List<Rule> RULES = List.of(
            // 1. Kubernetes and the operator.
            reason("OOMKilled", FailureClass.PLATFORM, "container killed at its memory limit (OOMKilled)",
                    MEMORY_OVERHEAD_HINT),
            reason("ImagePullBackOff", FailureClass.PLATFORM, "the image could not be pulled",
                    "check that the image exists and the namespace's pull secret can read it"),
            reason("ErrImagePull", FailureClass.PLATFORM, "the image could not be pulled",
                    "check that the image exists and the namespace's pull secret can read it"),
            reason("Evicted", FailureClass.PLATFORM, "the pod was evicted from its node",
                    "nothing to change: the node ran short of resources; the attempt is retried"),
            reason("NodeLost", FailureClass.PLATFORM, "the node running the driver was lost",
                    "nothing to change; the attempt is retried"),
            reason("node lost", FailureClass.PLATFORM, "the node running the driver was lost",
                    "nothing to change; the attempt is retried"),
            reason("NodeShutdown", FailureClass.PLATFORM, "the node running the driver shut down",
                    "nothing to change; the attempt is retried"),
            reason("Preempt", FailureClass.PLATFORM, "the pod was preempted by higher-priority work",
                    "nothing to change; the attempt is retried (schedule off-peak to avoid preemption)"),
            reason("Unschedulable", FailureClass.PLATFORM, "the pods could not be scheduled",
                    "the cluster lacks capacity for the requested resources; the attempt is retried"),
            reason("SchedulingFailure", FailureClass.PLATFORM, "the pods could not be scheduled",
                    "the cluster lacks capacity for the requested resources; the attempt is retried"),
            reason("StartTimedOut", FailureClass.PLATFORM, "the driver or executors did not start in time",
                    "nothing to change; the attempt is retried"),
            // 2. Platform patterns in the log.
            log("ExecutorLostFailure", FailureClass.PLATFORM, "executors were lost while the job ran",
                    "if it repeats, raise spark.executor.memoryOverhead; the attempt is retried"),
            log("Container killed by", FailureClass.PLATFORM, "a container was killed by its node",
                    MEMORY_OVERHEAD_HINT),
            // 3. User patterns in the log.
            log("java.lang.OutOfMemoryError", FailureClass.USER, "the JVM ran out of heap",
                    "raise resources.driver.memory / resources.executor.memory, or spread the data "
                            + "(spark.sql.shuffle.partitions, avoid collect() of large results)"),
            log("AnalysisException", FailureClass.USER, "the query could not be analysed",
                    "a table, column or function it names does not exist or is ambiguous: see the last log lines"),
            log("ClassNotFoundException", FailureClass.USER, "a class was not found",
                    "check mainClass and that the application jar bundles its dependencies"),
            log("NoClassDefFoundError", FailureClass.USER, "a class was not found",
                    "check mainClass and that the application jar bundles its dependencies"),
            log("Traceback (most recent call last)", FailureClass.USER, "the Python application raised",
                    "see the traceback in the last log lines"),
            log("Exception in thread \"main\"", FailureClass.USER, "the application's main thread threw",
                    "see the stack trace in the last log lines"),
            // 4. Exit codes alone.
            exit(137, FailureClass.PLATFORM, "the driver was killed (exit 137, SIGKILL)", MEMORY_OVERHEAD_HINT),
            exit(143, FailureClass.PLATFORM, "the driver was terminated (exit 143, SIGTERM)",
                    "nothing to change: its node was drained or scaled down; the attempt is retried"));

    public Classification classify(FinishedAttempt attempt) {
        for (Rule rule : RULES) {
            if (rule.matches.test(attempt)) {
                return new Classification(rule.failureClass, rule.reason, rule.hint);
            }
        }
        if (attempt.exitCode().isPresent()) {
            return new Classification(FailureClass.USER, "the application exited with code "
                    + attempt.exitCode().getAsInt(), "see the last log lines");
        }
        return new Classification(FailureClass.PLATFORM, "the driver ended without an exit code or reason",
                "nothing to change; the attempt is retried");
    }

    private record Rule(Predicate<FinishedAttempt> matches, FailureClass failureClass, String reason, String hint) {
    }

    /** Matches the termination reason or the operator's message, ignoring case. */
    private static Rule reason(String word, FailureClass c, String reason, String hint) {
        String w = word.toLowerCase(Locale.ROOT);
        return new Rule(a -> a.terminationReason().toLowerCase(Locale.ROOT).contains(w)
                || a.operatorMessage().toLowerCase(Locale.ROOT).contains(w), c, reason, hint);
    }

    private static Rule log(String text, FailureClass c, String reason, String hint) {
        return new Rule(a -> a.lastLogLines().stream().anyMatch(line -> line.contains(text)), c, reason, hint);
    }

    private static Rule exit(int code, FailureClass c, String reason, String hint) {
        return new Rule(a -> a.exitCode().isPresent() && a.exitCode().getAsInt() == code, c, reason, hint);
    }
}
