package dev.pedregal.gateway.jobs.endpoints;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import com.google.protobuf.Timestamp;

import dev.pedregal.gateway.jobs.JobSpec;
import dev.pedregal.gateway.jobs.RecommendationMode;
import dev.pedregal.gateway.jobs.RetryPolicy;
import dev.pedregal.gateway.jobs.api.ExecutionState;
import dev.pedregal.gateway.jobs.api.FailureClass;
import dev.pedregal.gateway.jobs.api.JobState;
import dev.pedregal.gateway.jobs.executions.ExecutionView;

/**
 * Protobuf messages of {@code pedregal.spark.v1.Jobs} to and from the Java records. As in protobuf, zero numbers and
 * empty strings stay "not set"; a retry policy's unset interval, multiplier and maximum take the default policy's.
 */
final class JobMessages {

    private JobMessages() {
    }

    static JobSpec spec(dev.pedregal.gateway.jobs.api.JobSpec m) {
        Map<String, JobSpec.Overrides> overrides = new HashMap<>();
        m.getEnvironmentsMap().forEach((env, o) -> overrides.put(env, new JobSpec.Overrides(
                o.hasEngine() ? engine(o.getEngine()) : null, o.hasResources() ? resources(o.getResources()) : null,
                o.getSparkConfMap(), o.getArgumentsList(), o.hasTimeout() ? duration(o.getTimeout()) : null,
                o.hasRetryPolicy() ? retryPolicy(o.getRetryPolicy()) : null)));
        return new JobSpec(m.getName(), m.getTeam(), m.getOwner(), m.getEnvironment(), engine(m.getEngine()),
                resources(m.getResources()), m.getSparkConfMap(), m.getMainClass(), m.getApplicationFile(),
                m.getArgumentsList(), m.hasTimeout() ? duration(m.getTimeout()) : null,
                m.hasRetryPolicy() ? retryPolicy(m.getRetryPolicy()) : null, overrides, m.getLabelsMap(),
                recommendations(m.getRecommendations()));
    }

    private static JobSpec.Engine engine(dev.pedregal.gateway.jobs.api.EngineSpec m) {
        return new JobSpec.Engine(m.getType(), m.getVersion(), m.getImage());
    }

    private static JobSpec.Resources resources(dev.pedregal.gateway.jobs.api.ResourceSpec m) {
        var e = m.getExecutor();
        return new JobSpec.Resources(new JobSpec.Pod(m.getDriver().getCores(), m.getDriver().getMemory()),
                new JobSpec.Executors(e.getCores(), e.getMemory(), e.getInstances(), e.getMinInstances(),
                        e.getMaxInstances()));
    }

    private static RetryPolicy retryPolicy(dev.pedregal.gateway.jobs.api.RetryPolicy m) {
        RetryPolicy d = RetryPolicy.DEFAULT;
        Duration interval = m.hasInterval() ? duration(m.getInterval()) : d.interval();
        Duration max = m.hasMaxInterval() ? duration(m.getMaxInterval())
                : interval.compareTo(d.maxInterval()) > 0 ? interval : d.maxInterval();
        return new RetryPolicy(m.getMaxRetries(), interval,
                m.getBackoffMultiplier() == 0 ? d.backoffMultiplier() : m.getBackoffMultiplier(), max);
    }

    private static RecommendationMode recommendations(dev.pedregal.gateway.jobs.api.RecommendationMode m) {
        return switch (m) {
            case RECOMMENDATION_MODE_SUGGEST -> RecommendationMode.SUGGEST;
            case RECOMMENDATION_MODE_APPLY -> RecommendationMode.APPLY;
            default -> RecommendationMode.OFF;
        };
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    static ExecutionState state(ExecutionView v) {
        ExecutionState.Builder b = ExecutionState.newBuilder().setExecutionId(v.id().toString())
                .setState(JobState.valueOf("JOB_STATE_" + v.state().name())).setAttempt(v.attempt())
                .addAllLastLogLines(v.lastLogLines());
        set(v.submittedAt(), b::setSubmittedAt);
        set(v.startedAt(), b::setStartedAt);
        set(v.finishedAt(), b::setFinishedAt);
        set(v.updatedAt(), b::setUpdatedAt);
        text(v.sparkUiUrl(), b::setSparkUiUrl);
        text(v.logsUrl(), b::setLogsUrl);
        text(v.reason(), b::setReason);
        text(v.hint(), b::setHint);
        text(v.vendorRunId(), b::setVendorRunId);
        if (v.failureClass() != null) {
            b.setFailureClass(FailureClass.valueOf("FAILURE_CLASS_" + v.failureClass().name()));
        }
        return b.build();
    }

    static JobState jobState(dev.pedregal.gateway.jobs.ExecutionState s) {
        return JobState.valueOf("JOB_STATE_" + s.name());
    }

    private static void set(Instant at, java.util.function.Consumer<Timestamp> setter) {
        if (at != null) {
            setter.accept(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build());
        }
    }

    private static void text(String value, java.util.function.Consumer<String> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }
}
