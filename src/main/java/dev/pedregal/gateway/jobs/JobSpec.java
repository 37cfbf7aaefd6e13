package dev.pedregal.gateway.jobs;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A batch job as the platform manifest describes it (the {@code pedregal.spark.v1.JobSpec} message). Numbers of
 * zero and empty strings mean "not set", as in the protobuf message, so the same records carry the per-environment
 * {@link Overrides}. Validation happens in {@link JobSpecResolver}, which sees the spec after its overrides.
 */
public record JobSpec(String name, String team, String owner, String environment, Engine engine,
        Resources resources, Map<String, String> sparkConf, String mainClass, String applicationFile,
        List<String> arguments, Duration timeout, RetryPolicy retryPolicy, Map<String, Overrides> environments,
        Map<String, String> labels, RecommendationMode recommendations) {

    public JobSpec {
        name = text(name);
        team = text(team);
        owner = text(owner);
        environment = text(environment);
        engine = engine == null ? Engine.UNSET : engine;
        resources = resources == null ? Resources.UNSET : resources;
        sparkConf = sparkConf == null ? Map.of() : Map.copyOf(sparkConf);
        mainClass = text(mainClass);
        applicationFile = text(applicationFile);
        arguments = arguments == null ? List.of() : List.copyOf(arguments);
        environments = environments == null ? Map.of() : Map.copyOf(environments);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        recommendations = recommendations == null ? RecommendationMode.OFF : recommendations;
    }

    /** A spec that does not ask for recommendations. */
    public JobSpec(String name, String team, String owner, String environment, Engine engine, Resources resources,
            Map<String, String> sparkConf, String mainClass, String applicationFile, List<String> arguments,
            Duration timeout, RetryPolicy retryPolicy, Map<String, Overrides> environments, Map<String, String> labels) {
        this(name, team, owner, environment, engine, resources, sparkConf, mainClass, applicationFile, arguments, timeout,
                retryPolicy, environments, labels, RecommendationMode.OFF);
    }

    /** This spec with the overrides of its own environment applied, and no overrides left. */
    public JobSpec withOverridesApplied() {
        Overrides o = environments.getOrDefault(environment, Overrides.NONE);
        Map<String, String> conf = new java.util.HashMap<>(sparkConf);
        conf.putAll(o.sparkConf());
        return new JobSpec(name, team, owner, environment, engine.merge(o.engine()), resources.merge(o.resources()),
                conf, mainClass, applicationFile, o.arguments().isEmpty() ? arguments : o.arguments(),
                o.timeout() != null ? o.timeout() : timeout, o.retryPolicy() != null ? o.retryPolicy() : retryPolicy,
                Map.of(), labels, recommendations);
    }

    /** This spec for another team (the caller's only team when the spec names none). */
    public JobSpec withTeam(String otherTeam) {
        return new JobSpec(name, otherTeam, owner, environment, engine, resources, sparkConf, mainClass, applicationFile,
                arguments, timeout, retryPolicy, environments, labels, recommendations);
    }

    /** This spec with its resolved timeout and retry policy written in, as an execution stores it. */
    public JobSpec withLimits(Duration resolvedTimeout, RetryPolicy resolvedRetryPolicy) {
        return new JobSpec(name, team, owner, environment, engine, resources, sparkConf, mainClass, applicationFile,
                arguments, resolvedTimeout, resolvedRetryPolicy, environments, labels, recommendations);
    }

    /** A Python application runs without a main class. */
    public boolean python() {
        return applicationFile.endsWith(".py");
    }

    private static String text(String s) {
        return s == null ? "" : s.trim();
    }

    private static String pick(String base, String override) {
        return override == null || override.isBlank() ? base : override.trim();
    }

    private static int pick(int base, int override) {
        return override > 0 ? override : base;
    }

    /**
     * @param type {@code spark-oss} when empty
     * @param version a version from the platform's table, e.g. {@code 4.0}
     * @param image an explicit image, which must be on the allowlist; empty to take the version's
     */
    public record Engine(String type, String version, String image) {
        public static final Engine UNSET = new Engine("", "", "");

        public Engine {
            type = text(type);
            version = text(version);
            image = text(image);
        }

        Engine merge(Engine o) {
            return o == null ? this : new Engine(pick(type, o.type), pick(version, o.version), pick(image, o.image));
        }
    }

    public record Resources(Pod driver, Executors executor) {
        public static final Resources UNSET = new Resources(Pod.UNSET, Executors.UNSET);

        public Resources {
            driver = driver == null ? Pod.UNSET : driver;
            executor = executor == null ? Executors.UNSET : executor;
        }

        Resources merge(Resources o) {
            return o == null ? this : new Resources(driver.merge(o.driver), executor.merge(o.executor));
        }
    }

    /** @param memory Spark's size syntax: {@code 512m}, {@code 8g} */
    public record Pod(int cores, String memory) {
        public static final Pod UNSET = new Pod(0, "");

        public Pod {
            memory = text(memory);
        }

        Pod merge(Pod o) {
            return o == null ? this : new Pod(pick(cores, o.cores), pick(memory, o.memory));
        }
    }

    /** @param minInstances dynamic allocation's lower bound; with maxInstances 0 dynamic allocation is off */
    public record Executors(int cores, String memory, int instances, int minInstances, int maxInstances) {
        public static final Executors UNSET = new Executors(0, "", 0, 0, 0);

        public Executors {
            memory = text(memory);
        }

        public boolean dynamicAllocation() {
            return maxInstances > 0;
        }

        Executors merge(Executors o) {
            return o == null ? this : new Executors(pick(cores, o.cores), pick(memory, o.memory),
                    pick(instances, o.instances), pick(minInstances, o.minInstances), pick(maxInstances, o.maxInstances));
        }
    }

    /**
     * What one environment changes: set fields replace the job's, sparkConf entries are merged over the job's, a
     * non-empty argument list replaces the job's.
     */
    public record Overrides(Engine engine, Resources resources, Map<String, String> sparkConf, List<String> arguments,
            Duration timeout, RetryPolicy retryPolicy) {
        public static final Overrides NONE = new Overrides(null, null, null, null, null, null);

        public Overrides {
            sparkConf = sparkConf == null ? Map.of() : Map.copyOf(sparkConf);
            arguments = arguments == null ? List.of() : List.copyOf(arguments);
        }
    }
}
