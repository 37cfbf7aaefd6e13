package dev.pedregal.gateway.jobs.recommend;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

import dev.pedregal.gateway.jobs.JobSpec;
import dev.pedregal.gateway.jobs.ResolvedJob;

/**
 * The settings a recommendation may name (see {@link Recommendation}): reading a job's value, telling whether the
 * user's own spec set it, and applying a value. What the user set is told apart from the platform's defaults by
 * the spec: zero and empty there mean "not set", a missing timeout means the platform's default, and
 * {@code ResolvedJob.sparkConf} holds the environment's defaults under the user's {@code spec.sparkConf}.
 */
public final class JobSettings {

    public static final String DRIVER_CORES = "resources.driver.cores";
    public static final String DRIVER_MEMORY = "resources.driver.memory";
    public static final String EXECUTOR_CORES = "resources.executor.cores";
    public static final String EXECUTOR_MEMORY = "resources.executor.memory";
    public static final String EXECUTOR_INSTANCES = "resources.executor.instances";
    public static final String EXECUTOR_MIN_INSTANCES = "resources.executor.minInstances";
    public static final String EXECUTOR_MAX_INSTANCES = "resources.executor.maxInstances";
    public static final String TIMEOUT = "timeout";
    public static final String SPARK_CONF = "sparkConf.";

    /** Spark configuration a provider may not set, like a user may not: image, namespace, credentials, master. */
    private static final List<String> REFUSED_CONF = List.of("spark.kubernetes.", "spark.master", "spark.submit.");

    /** Spark configuration keys that mean the same as a resources field, so a user's field also protects them. */
    private static final Map<String, String> CONF_FOR_RESOURCE = Map.of(
            "spark.driver.cores", DRIVER_CORES, "spark.driver.memory", DRIVER_MEMORY,
            "spark.executor.cores", EXECUTOR_CORES, "spark.executor.memory", EXECUTOR_MEMORY,
            "spark.executor.instances", EXECUTOR_INSTANCES,
            "spark.dynamicAllocation.minExecutors", EXECUTOR_MIN_INSTANCES,
            "spark.dynamicAllocation.maxExecutors", EXECUTOR_MAX_INSTANCES);

    private record Field(Function<JobSpec.Resources, String> read,
            BiFunction<JobSpec.Resources, String, JobSpec.Resources> write) {
    }

    private static final Map<String, Field> RESOURCES = Map.of(
            DRIVER_CORES, new Field(r -> count(r.driver().cores()),
                    (r, v) -> new JobSpec.Resources(new JobSpec.Pod(Integer.parseInt(v), r.driver().memory()), r.executor())),
            DRIVER_MEMORY, new Field(r -> r.driver().memory(),
                    (r, v) -> new JobSpec.Resources(new JobSpec.Pod(r.driver().cores(), v), r.executor())),
            EXECUTOR_CORES, new Field(r -> count(r.executor().cores()),
                    (r, v) -> executors(r, Integer.parseInt(v), r.executor().memory(), r.executor().instances(),
                            r.executor().minInstances(), r.executor().maxInstances())),
            EXECUTOR_MEMORY, new Field(r -> r.executor().memory(),
                    (r, v) -> executors(r, r.executor().cores(), v, r.executor().instances(),
                            r.executor().minInstances(), r.executor().maxInstances())),
            EXECUTOR_INSTANCES, new Field(r -> count(r.executor().instances()),
                    (r, v) -> executors(r, r.executor().cores(), r.executor().memory(), Integer.parseInt(v),
                            r.executor().minInstances(), r.executor().maxInstances())),
            EXECUTOR_MIN_INSTANCES, new Field(r -> count(r.executor().minInstances()),
                    (r, v) -> executors(r, r.executor().cores(), r.executor().memory(), r.executor().instances(),
                            Integer.parseInt(v), r.executor().maxInstances())),
            EXECUTOR_MAX_INSTANCES, new Field(r -> count(r.executor().maxInstances()),
                    (r, v) -> executors(r, r.executor().cores(), r.executor().memory(), r.executor().instances(),
                            r.executor().minInstances(), Integer.parseInt(v))));

    private JobSettings() {
    }

    /** Why a provider may not suggest this setting or value, if it may not. */
    static Optional<String> refusal(String setting, String value) {
        if (setting.startsWith(SPARK_CONF)) {
            String key = setting.substring(SPARK_CONF.length());
            return REFUSED_CONF.stream().anyMatch(key::startsWith) || key.isEmpty()
                    ? Optional.of("is set by the platform") : Optional.empty();
        }
        if (setting.equals(TIMEOUT)) {
            try {
                return Duration.parse(value).isNegative() || Duration.parse(value).isZero()
                        ? Optional.of("is not a positive duration") : Optional.empty();
            } catch (DateTimeParseException e) {
                return Optional.of("is not an ISO-8601 duration");
            }
        }
        Field field = RESOURCES.get(setting);
        if (field == null) {
            return Optional.of("is not a setting");
        }
        if (setting.endsWith("memory")) {
            return MemorySize.mebibytes(value).isPresent() ? Optional.empty() : Optional.of("is not a memory size");
        }
        try {
            return Integer.parseInt(value) > 0 ? Optional.empty() : Optional.of("is not a positive number");
        } catch (NumberFormatException e) {
            return Optional.of("is not a number");
        }
    }

    /** The job's value of a setting, empty when unset. */
    static String current(ResolvedJob job, String setting) {
        if (setting.startsWith(SPARK_CONF)) {
            return job.sparkConf().getOrDefault(setting.substring(SPARK_CONF.length()), "");
        }
        if (setting.equals(TIMEOUT)) {
            return job.timeout() == null ? "" : job.timeout().toString();
        }
        return RESOURCES.get(setting).read().apply(job.spec().resources());
    }

    /** Whether the user's own spec set it (the environment's defaults and the platform's are not the user's). */
    static boolean setByUser(ResolvedJob job, String setting) {
        if (setting.startsWith(SPARK_CONF)) {
            String key = setting.substring(SPARK_CONF.length());
            String resource = CONF_FOR_RESOURCE.get(key);
            return job.spec().sparkConf().containsKey(key) || (resource != null && setByUser(job, resource));
        }
        if (setting.equals(TIMEOUT)) {
            return job.spec().timeout() != null;
        }
        return !current(job, setting).isEmpty();
    }

    /** The job with these values (setting → value) applied; settings must have passed {@link #refusal}. */
    static ResolvedJob apply(ResolvedJob job, Map<String, String> values) {
        JobSpec spec = job.spec();
        JobSpec.Resources resources = spec.resources();
        Map<String, String> conf = new HashMap<>(job.sparkConf());
        Duration timeout = job.timeout();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getKey().startsWith(SPARK_CONF)) {
                conf.put(e.getKey().substring(SPARK_CONF.length()), e.getValue());
            } else if (e.getKey().equals(TIMEOUT)) {
                timeout = Duration.parse(e.getValue());
            } else {
                resources = RESOURCES.get(e.getKey()).write().apply(resources, e.getValue());
            }
        }
        // The spec's own sparkConf and timeout stay the user's: only the effective values change.
        JobSpec applied = new JobSpec(spec.name(), spec.team(), spec.owner(), spec.environment(), spec.engine(),
                resources, spec.sparkConf(), spec.mainClass(), spec.applicationFile(), spec.arguments(), spec.timeout(),
                spec.retryPolicy(), spec.environments(), spec.labels());
        return new ResolvedJob(applied, job.release(), job.image(), conf, timeout, job.retryPolicy(), job.warnings());
    }

    private static String count(int n) {
        return n > 0 ? Integer.toString(n) : "";
    }

    private static JobSpec.Resources executors(JobSpec.Resources r, int cores, String memory, int instances, int min,
            int max) {
        return new JobSpec.Resources(r.driver(), new JobSpec.Executors(cores, memory, instances, min, max));
    }
}
