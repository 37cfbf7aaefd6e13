package dev.pedregal.gateway.provisioning;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.identity.AuditLog;
import dev.pedregal.gateway.identity.Caller;
import dev.pedregal.gateway.identity.TeamResolver;
import dev.pedregal.gateway.placement.PoolKey;
import dev.pedregal.gateway.provisioning.ClusterApi.CreateCluster;
import dev.pedregal.gateway.provisioning.ProvisioningFailure.FieldError;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;

/**
 * The cluster API's rules: who may do what to which cluster, validation against templates and quotas,
 * idempotent creation, and the state changes the API makes. What happens to drivers is
 * {@link ClusterLifecycle}'s business; it runs after each change commits.
 */
@ApplicationScoped
public class ClusterService {

    private static final String UNIQUE_VIOLATION = "23505";

    private final GatewayConfig config;
    private final Templates templates;
    private final Quotas quotas;
    private final ClusterCapacity capacity;
    private final TeamResolver teams;
    private final ClusterLifecycle lifecycle;
    private final AuditLog audit;

    public ClusterService(GatewayConfig config, Templates templates, Quotas quotas, TeamResolver teams,
            ClusterLifecycle lifecycle, ClusterCapacity capacity, AuditLog audit) {
        this.config = config;
        this.capacity = capacity;
        this.templates = templates;
        this.quotas = quotas;
        this.teams = teams;
        this.lifecycle = lifecycle;
        this.audit = audit;
    }

    /** A cluster and whether this request created it (false: an earlier request with the same Idempotency-Key did). */
    public record Outcome(SparkCluster cluster, boolean created) {
    }

    public Uni<Outcome> create(CreateCluster request, String idempotencyKey, Caller caller, String requestId) {
        Draft draft = validate(request, caller);
        // The transaction is explicit (not an annotation): interceptors do not apply to calls within a bean.
        AtomicReference<SparkCluster> reserved = new AtomicReference<>();
        return Panache.withTransaction(() -> insert(draft, request, idempotencyKey, caller, reserved))
                // A cluster that was not stored (refused, or a duplicate that lost the race) gives its capacity back.
                .onFailure().invoke(() -> {
                    if (reserved.get() != null) {
                        capacity.release(reserved.get());
                    }
                })
                .onFailure(ClusterService::isUniqueViolation)
                .recoverWithUni(() -> Panache.withSession(() -> replay(draft, idempotencyKey)))
                .invoke(outcome -> {
                    if (outcome.created()) {
                        record(requestId, caller, outcome.cluster(), "cluster_create", "ok", null);
                        lifecycle.provision(outcome.cluster());
                    }
                })
                .onFailure(ProvisioningFailure.class).invoke(f -> audit.record(requestId,
                        new PoolKey(draft.team, draft.environment, draft.name), caller.userId(), null, null,
                        "cluster_create", "denied", f.getMessage()));
    }

    private Uni<Outcome> insert(Draft draft, CreateCluster request, String idempotencyKey, Caller caller,
            AtomicReference<SparkCluster> reserved) {
        return existing(draft.team, idempotencyKey).flatMap(earlier -> {
            if (earlier != null) {
                return Uni.createFrom().item(new Outcome(earlier, false));
            }
            return templates.find("template", request.template()).flatMap(template -> {
                ClusterShape shape = templates.resolve(template, draft.environment, draft.region, request.overrides());
                return liveClusters(draft.team).flatMap(live -> {
                    SparkCluster same = live.stream().filter(c -> c.name.equals(draft.name)).findFirst().orElse(null);
                    if (same != null && idempotencyKey != null && idempotencyKey.equals(same.idempotencyKey)) {
                        // A duplicate committed after this transaction looked the key up.
                        return Uni.createFrom().item(new Outcome(same, false));
                    }
                    if (same != null) {
                        throw nameTaken(draft.name);
                    }
                    quotas.check(draft.team, live, shape, draft.warm, draft.max);
                    SparkCluster c = new SparkCluster();
                    c.id = UUID.randomUUID();
                    c.createdAt = Instant.now();
                    c.expiresAt = c.createdAt.plus(draft.ttl);
                    c.name = draft.name;
                    c.team = draft.team;
                    c.environment = draft.environment;
                    c.region = draft.region;
                    c.template = template.name();
                    c.shape(shape);
                    c.warmDrivers = draft.warm;
                    c.minDrivers = draft.min;
                    c.maxDrivers = draft.max;
                    c.idempotencyKey = idempotencyKey;
                    c.createdBy = caller.userId();
                    c.moveTo(ClusterState.REQUESTED, null);
                    reserved.set(c);
                    // Capacity first: a cluster is stored only once its warm drivers have room for its TTL.
                    return capacity.reserve(c.id, draft.team, draft.environment, draft.region, shape, draft.warm,
                            c.createdAt, c.expiresAt)
                            .chain(() -> c.<SparkCluster> persist())
                            .map(saved -> new Outcome(saved, true));
                });
            });
        });
    }

    /** A concurrent duplicate lost the race on the unique index: answer with the winner. */
    private Uni<Outcome> replay(Draft draft, String idempotencyKey) {
        if (idempotencyKey == null) {
            return Uni.createFrom().failure(nameTaken(draft.name));
        }
        return existing(draft.team, idempotencyKey).map(c -> new Outcome(c, false));
    }

    private static ProvisioningFailure.Conflict nameTaken(String name) {
        return new ProvisioningFailure.Conflict("a cluster named '" + name + "' already exists; choose another name or "
                + "delete it first");
    }

    private static Uni<SparkCluster> existing(String team, String idempotencyKey) {
        if (idempotencyKey == null) {
            return Uni.createFrom().nullItem();
        }
        return SparkCluster.find("team = ?1 and idempotencyKey = ?2", team, idempotencyKey).firstResult();
    }

    private static Uni<List<SparkCluster>> liveClusters(String team) {
        return SparkCluster.list("team = ?1 and state in ?2", team, live());
    }

    static List<ClusterState> live() {
        return List.of(ClusterState.REQUESTED, ClusterState.PROVISIONING, ClusterState.READY, ClusterState.SCALING);
    }

    @WithSession
    public Uni<SparkCluster> get(UUID id, Caller caller, String requestId) {
        return visible(id, caller, requestId, "cluster_get");
    }

    @WithSession
    public Uni<ClusterApi.ClusterPage> list(Caller caller, String team, String environment, String state, int page,
            int size) {
        if (page < 0 || size < 1 || size > 500) {
            throw new ProvisioningFailure.Invalid("size", "page must be >= 0 and size between 1 and 500");
        }
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new HashMap<>();
        if (!caller.admin()) {
            where.add("team in :teams");
            params.put("teams", caller.teams().isEmpty() ? List.of("") : List.copyOf(caller.teams()));
        }
        if (team != null) {
            where.add("team = :team");
            params.put("team", team);
        }
        if (environment != null) {
            where.add("environment = :environment");
            params.put("environment", environment);
        }
        if (state != null) {
            ClusterState s;
            try {
                s = ClusterState.valueOf(state.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ProvisioningFailure.Invalid("state", "'" + state + "' is not one of "
                        + List.of(ClusterState.values()));
            }
            where.add("state = :state");
            params.put("state", s);
        }
        var query = SparkCluster.<SparkCluster> find(String.join(" and ", where), Sort.descending("createdAt", "id"), params);
        return query.page(Page.of(page, size)).list().flatMap(items -> query.count()
                .map(total -> new ClusterApi.ClusterPage(items.stream().map(lifecycle::view).toList(), page, size, total)));
    }

    public Uni<SparkCluster> delete(UUID id, Caller caller, String requestId) {
        return Panache.withTransaction(() -> markDeleting(id, caller, requestId)).invoke(c -> {
            record(requestId, caller, c, "cluster_delete", "ok", null);
            lifecycle.delete(c, "cluster '" + c.name + "' was deleted by " + caller.userId());
        });
    }

    private Uni<SparkCluster> markDeleting(UUID id, Caller caller, String requestId) {
        return visible(id, caller, requestId, "cluster_delete").map(c -> {
            if (c.state == ClusterState.DELETING || c.state == ClusterState.DELETED) {
                throw new ProvisioningFailure.Conflict("cluster '" + c.name + "' is already " + c.state);
            }
            c.moveTo(ClusterState.DELETING, "deleted by " + caller.userId());
            return c;
        });
    }

    public Uni<SparkCluster> scale(UUID id, ClusterApi.Scale request, Caller caller, String requestId) {
        if (request == null) {
            throw new ProvisioningFailure.Invalid("body", "is required");
        }
        return Panache.withTransaction(() -> resize(id, request, caller, requestId)).invoke(c -> {
            record(requestId, caller, c, "cluster_scale", "ok",
                    "warm " + c.warmDrivers + ", min " + c.minDrivers + ", max " + c.maxDrivers);
            lifecycle.scale(c);
        });
    }

    private Uni<SparkCluster> resize(UUID id, ClusterApi.Scale request, Caller caller, String requestId) {
        return visible(id, caller, requestId, "cluster_scale").flatMap(c -> {
            if (c.state != ClusterState.READY && c.state != ClusterState.SCALING && c.state != ClusterState.PROVISIONING) {
                throw new ProvisioningFailure.Conflict("cluster '" + c.name + "' is " + c.state + " and cannot be scaled");
            }
            int warm = request.warmDrivers() != null ? request.warmDrivers() : c.warmDrivers;
            int min = request.minDrivers() != null ? request.minDrivers() : c.minDrivers;
            int max = request.maxDrivers() != null ? request.maxDrivers() : c.maxDrivers;
            checkSizes(warm, min, max);
            return liveClusters(c.team).chain(live -> {
                quotas.check(c.team, live.stream().filter(o -> !o.id.equals(c.id)).toList(), c.shape(), warm, max);
                return capacity.resize(c, warm);
            }).map(resized -> {
                c.warmDrivers = warm;
                c.minDrivers = min;
                c.maxDrivers = max;
                c.moveTo(ClusterState.SCALING, null);
                return c;
            });
        });
    }

    @WithTransaction
    public Uni<SparkCluster> extend(UUID id, ClusterApi.ExtendTtl request, Caller caller, String requestId) {
        Duration by = Durations.parse("extendBy", request == null ? null : request.extendBy());
        return visible(id, caller, requestId, "cluster_extend_ttl")
                .flatMap(c -> capacity.extend(extendTtl(c, by, caller, requestId)).replaceWith(c));
    }

    private SparkCluster extendTtl(SparkCluster c, Duration by, Caller caller, String requestId) {
        {
            if (!c.state.live()) {
                throw new ProvisioningFailure.Conflict("cluster '" + c.name + "' is " + c.state + "; its TTL cannot change");
            }
            Instant latest = Instant.now().plus(config.provisioning().maxTtl());
            Instant wanted = c.expiresAt.plus(by);
            if (wanted.isAfter(latest)) {
                throw new ProvisioningFailure.Invalid("extendBy", "would expire the cluster at " + wanted
                        + ", beyond the longest TTL of " + config.provisioning().maxTtl().toHours() + " h from now ("
                        + latest + ")");
            }
            c.expiresAt = wanted;
            c.updatedAt = Instant.now();
            record(requestId, caller, c, "cluster_extend_ttl", "ok", "expires " + wanted);
            return c;
        }
    }

    /** The cluster when the caller may see it; 404 otherwise, so another team's clusters do not leak. */
    private Uni<SparkCluster> visible(UUID id, Caller caller, String requestId, String action) {
        return SparkCluster.<SparkCluster> findById(id).map(c -> {
            if (c == null || !(caller.admin() || caller.teams().contains(c.team))) {
                if (c != null) {
                    audit.record(requestId, new PoolKey(c.team, c.environment, c.name), caller.userId(), null, null,
                            action, "denied", "not_in_team");
                }
                throw new ProvisioningFailure.NotFound("no cluster " + id);
            }
            return c;
        });
    }

    // --- validation ---------------------------------------------------------------------------------------

    /** A create request after the checks that need no database. */
    record Draft(String name, String team, String environment, String region, Duration ttl, int warm, int min, int max) {
    }

    Draft validate(CreateCluster r, Caller caller) {
        if (r == null) {
            throw new ProvisioningFailure.Invalid("body", "is required");
        }
        List<FieldError> errors = new ArrayList<>();
        String team = r.team();
        if (team == null) {
            if (caller.teams().size() != 1) {
                errors.add(new FieldError("team", caller.teams().isEmpty() ? "is required (you belong to no team)"
                        : "is required: you belong to several teams " + new java.util.TreeSet<>(caller.teams())));
            } else {
                team = caller.teams().iterator().next();
            }
        } else if (!caller.admin() && !caller.teams().contains(team)) {
            throw new ProvisioningFailure.Forbidden("user " + caller.userId() + " is not a member of team '" + team
                    + "' (missing group " + config.identity().teamGroupPrefix() + team + ")");
        } else if (!Names.isDns1123(team)) {
            errors.add(new FieldError("team", "'" + team + "' is not a DNS-1123 label"));
        }
        String env = r.environment();
        if (env == null || !config.environments().containsKey(env)) {
            errors.add(new FieldError("environment", (env == null ? "is required" : "unknown environment '" + env + "'")
                    + ": one of " + new java.util.TreeSet<>(config.environments().keySet())));
        } else if (team != null && !caller.admin() && !teams.environments(team).contains(env)) {
            errors.add(new FieldError("environment", "team '" + team + "' may use " + teams.environments(team)));
        }
        List<String> regions = config.provisioning().regions();
        String region = r.region() != null ? r.region() : regions.get(0);
        if (!regions.contains(region)) {
            errors.add(new FieldError("region", "unknown region '" + region + "': one of " + regions));
        }
        String name = r.name();
        if (name == null && team != null && env != null) {
            name = team + "-" + env + (r.region() != null ? "-" + r.region() : "");
        }
        if (name != null && !Names.isDns1123(name)) {
            errors.add(new FieldError("name", Names.notDns1123(name)));
        }
        Duration ttl = null;
        if (env != null && config.environments().containsKey(env)) {
            try {
                ttl = r.ttl() != null ? Durations.parse("ttl", r.ttl()) : config.environments().get(env).clusterTtl();
                if (ttl.compareTo(config.provisioning().maxTtl()) > 0) {
                    errors.add(new FieldError("ttl", ttl + " is out of bounds: at most " + config.provisioning().maxTtl()));
                }
            } catch (ProvisioningFailure.Invalid e) {
                errors.addAll(e.errors);
            }
        }
        int warm = r.warmDrivers() != null ? r.warmDrivers() : env != null ? defaultWarm(env) : 0;
        int min = r.minDrivers() != null ? r.minDrivers() : 0;
        int max = r.maxDrivers() != null ? r.maxDrivers() : Math.max(warm, Math.max(min, 1)) + 1;
        try {
            checkSizes(warm, min, max);
        } catch (ProvisioningFailure.Invalid e) {
            errors.addAll(e.errors);
        }
        if (!errors.isEmpty()) {
            throw new ProvisioningFailure.Invalid(errors);
        }
        return new Draft(name, team, env, region, ttl, warm, min, max);
    }

    private int defaultWarm(String env) {
        GatewayConfig.Environment e = config.environments().get(env);
        return e != null && e.warmDrivers().isPresent() ? e.warmDrivers().getAsInt() : config.pool().warmDrivers();
    }

    private void checkSizes(int warm, int min, int max) {
        List<FieldError> errors = new ArrayList<>();
        int limit = config.pool().maxDrivers();
        if (max < 1 || max > limit) {
            errors.add(new FieldError("maxDrivers", max + " is out of bounds: must be between 1 and " + limit));
        }
        if (warm < 0 || warm > max) {
            errors.add(new FieldError("warmDrivers", warm + " is out of bounds: must be between 0 and maxDrivers (" + max + ")"));
        }
        if (min < 0 || min > max) {
            errors.add(new FieldError("minDrivers", min + " is out of bounds: must be between 0 and maxDrivers (" + max + ")"));
        }
        if (!errors.isEmpty()) {
            throw new ProvisioningFailure.Invalid(errors);
        }
    }

    private void record(String requestId, Caller caller, SparkCluster c, String action, String outcome, String detail) {
        audit.record(requestId, new PoolKey(c.team, c.environment, c.name), caller.userId(), null, null, action, outcome,
                detail == null ? "cluster " + c.id : detail + " (cluster " + c.id + ")");
    }

    private static boolean isUniqueViolation(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
                    || c instanceof java.sql.SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())
                    || c instanceof org.hibernate.exception.ConstraintViolationException) {
                return true;
            }
        }
        return false;
    }
}
