package dev.pedregal.gateway.jobs.executions;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.identity.AuditLog;
import dev.pedregal.gateway.identity.Caller;
import dev.pedregal.gateway.identity.TeamResolver;
import dev.pedregal.gateway.jobs.ExecutionEvent;
import dev.pedregal.gateway.jobs.ExecutionState;
import dev.pedregal.gateway.jobs.JobFailure;
import dev.pedregal.gateway.jobs.JobSpec;
import dev.pedregal.gateway.jobs.JobSpecResolver;
import dev.pedregal.gateway.jobs.ResolvedJob;
import dev.pedregal.gateway.placement.PoolKey;
import dev.pedregal.gateway.provisioning.ProvisioningFailure;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;

/**
 * Submit, Check, Cancel, Watch, history, logs and events of batch job executions, for the gRPC and REST front ends
 * alike. A caller sees and cancels only its teams' executions (platform admins all); another team's execution is
 * "not found", so existence does not leak. Submits, cancels and refusals are audited.
 */
@ApplicationScoped
public class JobService {

    private static final String UNIQUE_VIOLATION = "23505";

    private final JobSpecResolver resolver;
    private final SubmitAdvice advice;
    private final JobPlacement placement;
    private final ExecutionStore store;
    private final ExecutionDriver driver;
    private final ExecutionChanges changes;
    private final DatabaseContext database;
    private final TeamResolver teams;
    private final AuditLog audit;
    private final GatewayConfig gateway;

    public JobService(JobSpecResolver resolver, SubmitAdvice advice, JobPlacement placement, ExecutionStore store,
            ExecutionDriver driver, ExecutionChanges changes, DatabaseContext database, TeamResolver teams,
            AuditLog audit, GatewayConfig gateway) {
        this.resolver = resolver;
        this.advice = advice;
        this.placement = placement;
        this.store = store;
        this.driver = driver;
        this.changes = changes;
        this.database = database;
        this.teams = teams;
        this.audit = audit;
        this.gateway = gateway;
    }

    /** An execution, whether this request created it (false: an earlier one with the same key did), and warnings. */
    public record Submitted(ExecutionView execution, boolean created, List<String> warnings) {
    }

    public record ExecutionPage(List<ExecutionView> items, int page, int size, long total) {
    }

    public record Logs(UUID executionId, int attempt, List<String> lines) {
    }

    public record EventView(Instant at, int attempt, String event, ExecutionState from, ExecutionState to,
            String detail) {
    }

    public Uni<Submitted> submit(JobSpec submitted, String idempotencyKey, Caller caller, String requestId) {
        JobSpec spec = submitted.team().isEmpty() && caller.teams().size() == 1
                ? submitted.withTeam(caller.teams().iterator().next())
                : submitted;
        PoolKey pool = new PoolKey(spec.team(), spec.environment());
        authorize(spec, pool, caller, requestId);
        ResolvedJob job = resolve(spec, pool, caller, requestId);
        return database.run(() -> Panache.withSession(() -> existing(spec.team(), idempotencyKey))).flatMap(found -> {
            if (found != null) {
                return Uni.createFrom().item(new Submitted(store.view(found), false, job.warnings()));
            }
            return advice.advise(job, spec.recommendations()).flatMap(advised -> placement.target(advised.job())
                    .flatMap(target -> database.run(() -> Panache.withTransaction(
                            () -> insert(advised.job(), target, idempotencyKey, caller)))
                            .map(e -> created(e, advised, caller, requestId))
                            .onFailure(JobService::isUniqueViolation).recoverWithUni(() -> database.run(
                                    () -> Panache.withSession(() -> existing(spec.team(), idempotencyKey)))
                                    .map(e -> new Submitted(store.view(e), false, job.warnings())))));
        });
    }

    private Submitted created(Execution e, SubmitAdvice.Advice advised, Caller caller, String requestId) {
        audit.record(requestId, key(e), caller.userId(), null, null, "job_submit", "ok", "execution " + e.id + " ("
                + e.name + ", image " + e.image + ")");
        driver.begin(e, advised.job());
        List<String> warnings = new ArrayList<>(advised.job().warnings());
        warnings.addAll(advised.notes());
        return new Submitted(store.view(e), true, warnings);
    }

    private void authorize(JobSpec spec, PoolKey pool, Caller caller, String requestId) {
        if (caller.admin() || spec.team().isEmpty()) {
            return; // an empty team is refused by resolution, with every other problem of the spec
        }
        if (!caller.teams().contains(spec.team())) {
            audit.record(requestId, pool, caller.userId(), null, null, "job_submit", "denied", "not_in_team");
            throw new ProvisioningFailure.Forbidden("user " + caller.userId() + " is not a member of team '"
                    + spec.team() + "' (missing group " + gateway.identity().teamGroupPrefix() + spec.team() + ")");
        }
        List<String> allowed = teams.environments(spec.team());
        if (!spec.environment().isEmpty() && !allowed.contains(spec.environment())) {
            audit.record(requestId, pool, caller.userId(), null, null, "job_submit", "denied", "environment");
            throw new ProvisioningFailure.Invalid("environment", "team '" + spec.team() + "' may use " + allowed);
        }
    }

    private ResolvedJob resolve(JobSpec spec, PoolKey pool, Caller caller, String requestId) {
        try {
            return resolver.resolve(spec);
        } catch (JobFailure.ImageNotAllowed e) {
            audit.record(requestId, pool, caller.userId(), null, null, "job_submit", "denied",
                    "image not allowed: " + e.image);
            throw e;
        } catch (JobFailure.Invalid e) {
            audit.record(requestId, pool, caller.userId(), null, null, "job_submit", "denied", e.getMessage());
            throw e;
        }
    }

    private Uni<Execution> insert(ResolvedJob job, String target, String idempotencyKey, Caller caller) {
        Instant now = Instant.now();
        Execution e = new Execution();
        e.id = UUID.randomUUID();
        e.team = job.spec().team();
        e.owner = job.spec().owner();
        e.name = job.spec().name();
        e.environment = job.spec().environment();
        e.state = ExecutionState.SUBMITTED;
        e.attempt = 1;
        e.spec = store.specJson(job);
        e.sparkConf = store.write(job.sparkConf());
        e.image = job.image();
        e.sparkVersion = job.release().sparkVersion();
        e.target = target;
        e.vendorRunId = ExecutionStore.run(e, job, 1).runName();
        e.idempotencyKey = idempotencyKey;
        e.submittedBy = caller.userId();
        e.submittedAt = now;
        e.updatedAt = now;
        e.deadlineAt = now.plus(job.timeout());
        e.logsUrl = "/api/v1/executions/" + e.id + "/logs";
        driver.takeLease(e);
        return e.<Execution> persist().call(saved -> ExecutionStore.record(e.id, 1, "SUBMITTED", null,
                ExecutionState.SUBMITTED, "by " + caller.userId() + " on " + target));
    }

    private static Uni<Execution> existing(String team, String idempotencyKey) {
        if (idempotencyKey == null || idempotencyKey.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        return Execution.find("team = ?1 and idempotencyKey = ?2", team, idempotencyKey).firstResult();
    }

    public Uni<ExecutionView> check(String id, Caller caller, String requestId) {
        return visible(id, caller, requestId, "job_check").map(store::view);
    }

    public Uni<ExecutionView> cancel(String id, String reason, Caller caller, String requestId) {
        return visible(id, caller, requestId, "job_cancel").flatMap(e -> driver.cancel(e.id,
                "cancelled by " + caller.userId() + (reason == null || reason.isBlank() ? "" : ": " + reason))
                .flatMap(stopped -> stopped != null ? Uni.createFrom().item(stopped)
                        : store.find(e.id).map(now -> {
                            audit.record(requestId, key(now), caller.userId(), null, null, "job_cancel", "denied",
                                    "already " + now.state);
                            throw new JobFailure.IllegalTransition(now.state, ExecutionEvent.CANCELLED);
                        })))
                .invoke(stopped -> audit.record(requestId, key(stopped), caller.userId(), null, null, "job_cancel", "ok",
                        "execution " + stopped.id))
                .map(store::view);
    }

    /** The current snapshot, then every change, until the execution ends. */
    public Multi<ExecutionView> watch(String id, Caller caller, String requestId) {
        return visible(id, caller, requestId, "job_watch").onItem().transformToMulti(e -> Multi.createFrom()
                .<ExecutionView> emitter(emitter -> {
                    long[] last = { -1 };
                    Consumer<ExecutionView> offer = v -> {
                        synchronized (last) {
                            if (emitter.isCancelled() || v.version() <= last[0] || last[0] == Long.MAX_VALUE) {
                                return;
                            }
                            last[0] = v.state().terminal() ? Long.MAX_VALUE : v.version();
                            emitter.emit(v);
                            if (v.state().terminal()) {
                                emitter.complete();
                            }
                        }
                    };
                    Runnable stop = changes.listen(e.id, offer);
                    emitter.onTermination(stop);
                    // Read again after listening: a change committed in between would otherwise be missed.
                    store.find(e.id).subscribe().with(now -> offer.accept(store.view(now)), emitter::fail);
                }));
    }

    public Uni<Logs> logs(String id, int lines, Caller caller, String requestId) {
        int n = Math.max(1, Math.min(lines, 10_000));
        return visible(id, caller, requestId, "job_logs").flatMap(e -> placement.runner(e.target)
                .logs(ExecutionStore.run(e, store.job(e), e.attempt), n).onFailure().recoverWithItem(List.of())
                .map(found -> new Logs(e.id, e.attempt, found.isEmpty() ? store.lines(e) : found)));
    }

    public Uni<List<EventView>> events(String id, Caller caller, String requestId) {
        return visible(id, caller, requestId, "job_events").flatMap(e -> database.run(() -> Panache.withSession(
                () -> ExecutionRecord.<ExecutionRecord> list("executionId = ?1", Sort.ascending("id"), e.id))))
                .map(rows -> rows.stream().map(r -> new EventView(r.at, r.attempt, r.event, r.fromState, r.toState,
                        r.detail)).toList());
    }

    /** The caller's teams' executions, newest first, filtered by state, job name, environment and submit time. */
    public Uni<ExecutionPage> list(Caller caller, String team, String state, String name, String environment, String from,
            String to, int page, int size) {
        if (page < 0 || size < 1 || size > 500) {
            throw new ProvisioningFailure.Invalid("size", "page must be >= 0 and size between 1 and 500");
        }
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new HashMap<>();
        if (!caller.admin()) {
            where.add("team in :teams");
            params.put("teams", caller.teams().isEmpty() ? List.of("") : List.copyOf(caller.teams()));
        }
        filter(where, params, "team", team);
        filter(where, params, "name", name);
        filter(where, params, "environment", environment);
        if (state != null) {
            try {
                params.put("state", ExecutionState.valueOf(state.toUpperCase(Locale.ROOT)));
                where.add("state = :state");
            } catch (IllegalArgumentException e) {
                throw new ProvisioningFailure.Invalid("state", "'" + state + "' is not one of "
                        + List.of(ExecutionState.values()));
            }
        }
        if (from != null) {
            where.add("submittedAt >= :from");
            params.put("from", instant("from", from));
        }
        if (to != null) {
            where.add("submittedAt < :to");
            params.put("to", instant("to", to));
        }
        return database.run(() -> Panache.withSession(() -> {
            var query = Execution.<Execution> find(String.join(" and ", where), Sort.descending("submittedAt", "id"),
                    params);
            return query.page(Page.of(page, size)).list().flatMap(items -> query.count()
                    .map(total -> new ExecutionPage(items.stream().map(store::view).toList(), page, size, total)));
        }));
    }

    private static void filter(List<String> where, Map<String, Object> params, String field, String value) {
        if (value != null && !value.isBlank()) {
            where.add(field + " = :" + field);
            params.put(field, value);
        }
    }

    private static Instant instant(String field, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new ProvisioningFailure.Invalid(field, "'" + value + "' is not an ISO-8601 instant, e.g. "
                    + "2025-01-31T00:00:00Z");
        }
    }

    /** The execution when the caller may see it; "not found" otherwise, so another team's executions do not leak. */
    private Uni<Execution> visible(String id, Caller caller, String requestId, String action) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException | NullPointerException e) {
            return Uni.createFrom().failure(new ProvisioningFailure.NotFound("no execution " + id));
        }
        return store.find(uuid).map(e -> {
            if (e == null || !(caller.admin() || caller.teams().contains(e.team))) {
                if (e != null) {
                    audit.record(requestId, key(e), caller.userId(), null, null, action, "denied", "not_in_team");
                }
                throw new ProvisioningFailure.NotFound("no execution " + id);
            }
            return e;
        });
    }

    private static PoolKey key(Execution e) {
        return new PoolKey(e.team, e.environment);
    }

    private static boolean isUniqueViolation(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
                    || c instanceof org.hibernate.exception.ConstraintViolationException) {
                return true;
            }
        }
        return false;
    }
}
