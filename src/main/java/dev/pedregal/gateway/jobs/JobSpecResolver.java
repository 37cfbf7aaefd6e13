package dev.pedregal.gateway.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

import dev.pedregal.gateway.provisioning.Names;
import dev.pedregal.gateway.provisioning.ProvisioningFailure.FieldError;

/**
 * Turns a submitted {@link JobSpec} into a {@link ResolvedJob}: applies its environment's overrides, maps
 * engine.version to an image through the engine table, holds the image to the allowlist, and lays the user's
 * Spark configuration over the environment's defaults. Every problem is reported at once, by field, in one
 * {@link JobFailure.Invalid} (an {@link JobFailure.ImageNotAllowed} when the image is among them).
 */
public final class JobSpecResolver {

    public static final String DEFAULT_ENGINE_TYPE = "spark-oss";

    /**
     * Configuration the platform owns: setting these would run another image, in another namespace or under
     * another identity than the gateway checked, so the user's sparkConf may not.
     */
    static final List<String> RESERVED_CONF = List.of("spark.kubernetes.container.image",
            "spark.kubernetes.driver.container.image", "spark.kubernetes.executor.container.image",
            "spark.kubernetes.namespace", "spark.kubernetes.authenticate.", "spark.kubernetes.driver.secretKeyRef.",
            "spark.kubernetes.executor.secretKeyRef.", "spark.kubernetes.driver.secrets.",
            "spark.kubernetes.executor.secrets.", "spark.kubernetes.driver.podTemplateFile",
            "spark.kubernetes.executor.podTemplateFile", "spark.master", "spark.submit.deployMode");

    private static final Pattern MEMORY = Pattern.compile("(?i)[1-9][0-9]{0,6}[kmgt]b?");

    private final JobRules rules;

    public JobSpecResolver(JobRules rules) {
        this.rules = rules;
    }

    public ResolvedJob resolve(JobSpec submitted) {
        List<FieldError> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        JobSpec spec = submitted.withOverridesApplied();
        submitted.environments().keySet().stream().filter(env -> !rules.environmentConf().containsKey(env)).sorted()
                .forEach(env -> warnings.add("environments." + env + " is ignored: '" + env
                        + "' is not an environment (known: " + knownEnvironments() + ")"));

        identity(spec, errors);
        Optional<EngineRelease> release = release(spec.engine(), errors, warnings);
        resources(spec.resources(), errors);
        application(spec, errors);
        spec.sparkConf().keySet().stream().filter(JobSpecResolver::reserved).sorted().forEach(key -> errors.add(
                new FieldError("sparkConf[" + key + "]", "is set by the platform; choose the image with engine.image")));
        Duration timeout = spec.timeout() != null ? spec.timeout() : rules.defaultTimeout();
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(rules.maxTimeout()) > 0) {
            errors.add(new FieldError("timeout", "must be positive and at most " + rules.maxTimeout()));
        }
        RetryPolicy retry = spec.retryPolicy() != null ? spec.retryPolicy() : RetryPolicy.DEFAULT;
        retryPolicy(retry, errors);

        String image = spec.engine().image().isEmpty() ? release.map(EngineRelease::image).orElse("")
                : spec.engine().image();
        if (!image.isEmpty() && !rules.allowlist().allows(image)) {
            errors.add(new FieldError("engine.image", "'" + image + "' is not an allowed image; allowed: "
                    + rules.allowlist().entries()));
            throw new JobFailure.ImageNotAllowed(image, rules.allowlist().entries(), errors);
        }
        if (!errors.isEmpty()) {
            throw new JobFailure.Invalid(errors);
        }

        Map<String, String> conf = new TreeMap<>(rules.environmentConf().get(spec.environment()));
        conf.putAll(spec.sparkConf());
        return new ResolvedJob(spec, release.orElseThrow(), image, conf, timeout, retry, warnings);
    }

    private void identity(JobSpec spec, List<FieldError> errors) {
        dns1123("name", spec.name(), errors);
        dns1123("team", spec.team(), errors);
        if (spec.owner().isEmpty()) {
            errors.add(new FieldError("owner", "is required: a user or group to tell when the job fails"));
        }
        if (spec.environment().isEmpty()) {
            errors.add(new FieldError("environment", "is required; known: " + knownEnvironments()));
        } else if (!rules.environmentConf().containsKey(spec.environment())) {
            errors.add(new FieldError("environment", "'" + spec.environment() + "' is not an environment; known: "
                    + knownEnvironments()));
        }
    }

    private Optional<EngineRelease> release(JobSpec.Engine engine, List<FieldError> errors, List<String> warnings) {
        String type = engine.type().isEmpty() ? DEFAULT_ENGINE_TYPE : engine.type();
        List<EngineRelease> ofType = rules.releases().stream().filter(r -> r.type().equals(type)).toList();
        if (ofType.isEmpty()) {
            errors.add(new FieldError("engine.type", "'" + type + "' is not an engine type; known: "
                    + rules.releases().stream().map(EngineRelease::type).distinct().sorted().toList()));
            return Optional.empty();
        }
        List<String> versions = ofType.stream().filter(r -> r.deprecation().isEmpty()).map(EngineRelease::version)
                .sorted().toList();
        if (engine.version().isEmpty()) {
            errors.add(new FieldError("engine.version", "is required; current versions: " + versions));
            return Optional.empty();
        }
        Optional<EngineRelease> release = ofType.stream().filter(r -> r.version().equals(engine.version()))
                .findFirst();
        if (release.isEmpty()) {
            errors.add(new FieldError("engine.version", "'" + engine.version() + "' is not a " + type
                    + " version; current versions: " + versions));
        }
        release.flatMap(EngineRelease::deprecation).ifPresent(why -> warnings.add(
                "engine.version " + engine.version() + " is deprecated: " + why));
        return release;
    }

    private static void resources(JobSpec.Resources r, List<FieldError> errors) {
        positive("resources.driver.cores", r.driver().cores(), errors);
        memory("resources.driver.memory", r.driver().memory(), errors);
        JobSpec.Executors e = r.executor();
        positive("resources.executor.cores", e.cores(), errors);
        memory("resources.executor.memory", e.memory(), errors);
        if (e.instances() < 0 || e.minInstances() < 0 || e.maxInstances() < 0) {
            errors.add(new FieldError("resources.executor", "instance counts cannot be negative"));
        } else if (e.dynamicAllocation()) {
            if (e.minInstances() > e.maxInstances()) {
                errors.add(new FieldError("resources.executor.minInstances", "is more than maxInstances ("
                        + e.maxInstances() + ")"));
            } else if (e.instances() > 0 && (e.instances() < e.minInstances() || e.instances() > e.maxInstances())) {
                errors.add(new FieldError("resources.executor.instances", "must be between minInstances and "
                        + "maxInstances (" + e.minInstances() + ".." + e.maxInstances() + ")"));
            }
        } else if (e.minInstances() > 0) {
            errors.add(new FieldError("resources.executor.maxInstances", "is required with minInstances"));
        } else if (e.instances() == 0) {
            errors.add(new FieldError("resources.executor.instances", "must be positive without dynamic allocation "
                    + "(maxInstances)"));
        }
    }

    private static void application(JobSpec spec, List<FieldError> errors) {
        if (spec.applicationFile().isEmpty()) {
            errors.add(new FieldError("applicationFile", "is required: the jar or .py file to run"));
        }
        if (spec.mainClass().isEmpty() && !spec.python()) {
            errors.add(new FieldError("mainClass", "is required for a JVM application"));
        }
    }

    private static void retryPolicy(RetryPolicy p, List<FieldError> errors) {
        if (p.maxRetries() < 0 || p.maxRetries() > RetryPolicy.MAX_RETRIES) {
            errors.add(new FieldError("retryPolicy.maxRetries", "must be between 0 and " + RetryPolicy.MAX_RETRIES));
        }
        if (p.interval() == null || p.interval().isNegative()) {
            errors.add(new FieldError("retryPolicy.interval", "is required and cannot be negative"));
        }
        if (!(p.backoffMultiplier() >= 1.0 && p.backoffMultiplier() <= 10.0)) {
            errors.add(new FieldError("retryPolicy.backoffMultiplier", "must be between 1 and 10"));
        }
        if (p.maxInterval() == null || (p.interval() != null && p.maxInterval().compareTo(p.interval()) < 0)) {
            errors.add(new FieldError("retryPolicy.maxInterval", "is required and at least the interval"));
        }
    }

    private static boolean reserved(String key) {
        return RESERVED_CONF.stream().anyMatch(r -> r.endsWith(".") ? key.startsWith(r) : key.equals(r));
    }

    private static void dns1123(String field, String value, List<FieldError> errors) {
        if (!Names.isDns1123(value)) {
            errors.add(new FieldError(field, "'" + value + "' is not a DNS-1123 label: lower-case letters, digits "
                    + "and '-', at most 63 characters"));
        }
    }

    private static void positive(String field, int value, List<FieldError> errors) {
        if (value <= 0) {
            errors.add(new FieldError(field, "must be positive"));
        }
    }

    private static void memory(String field, String value, List<FieldError> errors) {
        if (!MEMORY.matcher(value).matches()) {
            errors.add(new FieldError(field, "'" + value + "' is not a Spark memory size, e.g. 512m or 8g"));
        }
    }

    private List<String> knownEnvironments() {
        return rules.environmentConf().keySet().stream().sorted().toList();
    }
}
