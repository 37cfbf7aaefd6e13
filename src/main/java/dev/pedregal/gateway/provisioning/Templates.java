package dev.pedregal.gateway.provisioning;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.placement.DriverPool;
import dev.pedregal.gateway.provisioning.ProvisioningFailure.FieldError;
import io.smallrye.mutiny.Uni;

/**
 * The template catalogue (built-in sizes plus custom templates in PostgreSQL) and the resolution of a
 * request into a cluster's shape: template defaults, then the environment's Spark settings, then the
 * region's, then the request's overrides — each size checked against the template's bounds.
 */
@ApplicationScoped
public class Templates {

    /** Settings a request may not choose: the gateway owns how drivers are reached and secured. */
    private static final Set<String> RESERVED_CONF = Set.of(DriverPool.DRIVER_TOKEN_CONF, "spark.connect.grpc.binding.port",
            "spark.connect.grpc.binding.address", "spark.master");
    private static final int MIN_MEMORY_MIB = 512;

    private final GatewayConfig config;
    private final ObjectMapper json;

    public Templates(GatewayConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    /** Every template, built-in first. */
    public Uni<List<ClusterTemplate>> all() {
        return CustomTemplate.<CustomTemplate> listAll().map(custom -> {
            List<ClusterTemplate> all = new ArrayList<>(ClusterTemplate.BUILT_IN);
            custom.stream().map(this::read).sorted(Comparator.comparing(ClusterTemplate::name)).forEach(all::add);
            return all;
        });
    }

    /** The template with this name; 400 naming the field when there is none. */
    public Uni<ClusterTemplate> find(String field, String name) {
        if (name == null || name.isBlank()) {
            return Uni.createFrom().failure(new ProvisioningFailure.Invalid(field, "is required: one of small, medium, large, "
                    + "xlarge or a custom template (GET /api/v1/templates)"));
        }
        for (ClusterTemplate t : ClusterTemplate.BUILT_IN) {
            if (t.name().equals(name)) {
                return Uni.createFrom().item(t);
            }
        }
        return CustomTemplate.<CustomTemplate> findById(name).map(custom -> {
            if (custom == null) {
                throw new ProvisioningFailure.Invalid(field, "unknown template '" + name + "' (GET /api/v1/templates lists them)");
            }
            return read(custom);
        });
    }

    /** Adds or replaces a custom template; built-in ones cannot be replaced. */
    public Uni<ClusterTemplate> save(String name, ClusterTemplate body, String admin) {
        Names.requireDns1123("name", name);
        if (ClusterTemplate.BUILT_IN.stream().anyMatch(t -> t.name().equals(name))) {
            throw new ProvisioningFailure.Conflict("'" + name + "' is a built-in template and cannot be replaced");
        }
        if (body == null || body.defaults() == null || body.limits() == null) {
            throw new ProvisioningFailure.Invalid("defaults", "a template needs defaults and limits");
        }
        ClusterTemplate template = new ClusterTemplate(name, body.description(), body.defaults(), body.limits());
        List<FieldError> errors = new ArrayList<>();
        checkWithin(errors, "defaults", template.defaults(), template.limits());
        checkConf(errors, "defaults.sparkConf", template.defaults().sparkConf());
        if (!errors.isEmpty()) {
            throw new ProvisioningFailure.Invalid(errors);
        }
        return CustomTemplate.<CustomTemplate> findById(name).flatMap(existing -> {
            CustomTemplate row = existing != null ? existing : new CustomTemplate();
            row.name = name;
            row.body = write(template);
            row.createdBy = admin;
            row.createdAt = Instant.now();
            return existing != null ? Uni.createFrom().item(template) : row.persist().replaceWith(template);
        });
    }

    public Uni<Boolean> delete(String name) {
        return CustomTemplate.deleteById(name);
    }

    /** The shape of a cluster made from {@code template} in an environment and region with the request's overrides. */
    public ClusterShape resolve(ClusterTemplate template, String environment, String region, ClusterApi.Overrides overrides) {
        ClusterShape d = template.defaults();
        Map<String, String> conf = new HashMap<>(d.sparkConf());
        GatewayConfig.Environment env = config.environments().get(environment);
        if (env != null) {
            conf.putAll(env.sparkConf());
        }
        conf.putAll(config.provisioning().regionSparkConf().getOrDefault(region, Map.of()));
        List<FieldError> errors = new ArrayList<>();
        ClusterShape shape = d;
        if (overrides != null) {
            if (overrides.sparkConf() != null) {
                checkConf(errors, "overrides.sparkConf", overrides.sparkConf());
                conf.putAll(overrides.sparkConf());
            }
            shape = new ClusterShape(
                    or(overrides.driverCores(), d.driverCores()), or(overrides.driverMemoryMib(), d.driverMemoryMib()),
                    or(overrides.executorCores(), d.executorCores()), or(overrides.executorMemoryMib(), d.executorMemoryMib()),
                    or(overrides.executorsMin(), d.executorsMin()), or(overrides.executorsMax(), d.executorsMax()),
                    overrides.dynamicAllocation() != null ? overrides.dynamicAllocation() : d.dynamicAllocation(), Map.of());
            checkWithin(errors, "overrides", shape, template.limits());
        }
        if (!errors.isEmpty()) {
            throw new ProvisioningFailure.Invalid(errors);
        }
        return new ClusterShape(shape.driverCores(), shape.driverMemoryMib(), shape.executorCores(),
                shape.executorMemoryMib(), shape.executorsMin(), shape.executorsMax(), shape.dynamicAllocation(), conf);
    }

    private static void checkWithin(List<FieldError> errors, String prefix, ClusterShape s, ClusterTemplate.Limits l) {
        bound(errors, prefix + ".driverCores", s.driverCores(), 1, l.driverCores());
        bound(errors, prefix + ".driverMemoryMib", s.driverMemoryMib(), MIN_MEMORY_MIB, l.driverMemoryMib());
        bound(errors, prefix + ".executorCores", s.executorCores(), 1, l.executorCores());
        bound(errors, prefix + ".executorMemoryMib", s.executorMemoryMib(), MIN_MEMORY_MIB, l.executorMemoryMib());
        bound(errors, prefix + ".executorsMax", s.executorsMax(), 0, l.executors());
        bound(errors, prefix + ".executorsMin", s.executorsMin(), 0, s.executorsMax());
    }

    private static void bound(List<FieldError> errors, String field, int value, int min, int max) {
        if (value < min || value > max) {
            errors.add(new FieldError(field, value + " is out of bounds: must be between " + min + " and " + max));
        }
    }

    private static void checkConf(List<FieldError> errors, String field, Map<String, String> conf) {
        for (Map.Entry<String, String> e : conf.entrySet()) {
            if (RESERVED_CONF.contains(e.getKey())) {
                errors.add(new FieldError(field + "." + e.getKey(), "is set by the platform and cannot be overridden"));
            } else if (!e.getKey().startsWith("spark.") || e.getValue() == null) {
                errors.add(new FieldError(field + "." + e.getKey(), "must be a spark.* key with a value"));
            }
        }
    }

    private static int or(Integer value, int fallback) {
        return value != null ? value : fallback;
    }

    private ClusterTemplate read(CustomTemplate row) {
        try {
            return json.readValue(row.body, ClusterTemplate.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("custom template " + row.name + " is not readable", e);
        }
    }

    private String write(ClusterTemplate template) {
        try {
            return json.writeValueAsString(template);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
