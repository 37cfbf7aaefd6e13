package dev.pedregal.gateway.jobs.executions;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pedregal.gateway.jobs.EngineRelease;
import dev.pedregal.gateway.jobs.ExecutionEvent;
import dev.pedregal.gateway.jobs.ExecutionState;
import dev.pedregal.gateway.jobs.JobSpec;
import dev.pedregal.gateway.jobs.JobSpecResolver;
import dev.pedregal.gateway.jobs.ResolvedJob;
import dev.pedregal.gateway.jobs.RunRequest;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * The executions table: every state change goes through {@link #transition}, which applies the state machine to
 * the stored row (not to what a caller last saw), appends the event and notifies the other replicas in the same
 * transaction, and publishes the new snapshot. Two replicas (or a watch and a caller) racing on one execution meet
 * at the row's version: the loser re-reads and its event is dropped when the state no longer accepts it.
 */
@ApplicationScoped
public class ExecutionStore {

    /** Matches any attempt: for events callers cause (cancel, timeout), which end the execution whatever runs. */
    static final int ANY_ATTEMPT = -1;
    /** Whichever replica drives the execution: for events callers cause (cancel), served by any replica. */
    static final String ANY_REPLICA = null;
    private static final TypeReference<Map<String, String>> CONF = new TypeReference<>() {
    };
    private static final TypeReference<List<String>> LINES = new TypeReference<>() {
    };

    private final ObjectMapper json;
    private final ExecutionChanges changes;
    private final DatabaseContext database;

    public ExecutionStore(ObjectMapper json, ExecutionChanges changes, DatabaseContext database) {
        this.json = json;
        this.changes = changes;
        this.database = database;
    }

    /**
     * Applies {@code event} to the execution if the replica driving it is {@code drivenBy} (or {@link #ANY_REPLICA}),
     * its stored attempt is {@code attempt} (or {@link #ANY_ATTEMPT}) and its state accepts the event; {@code change}
     * fills in the rest. Answers the changed row, or null when the event was dropped (a duplicate or stale
     * observation, an execution that already ended, or one another replica has taken over).
     */
    Uni<Execution> transition(UUID id, String drivenBy, int attempt, ExecutionEvent event, String detail,
            Consumer<Execution> change) {
        return database.run(() -> Panache.withTransaction(() -> Execution.<Execution> findById(id).flatMap(e -> {
            if (e == null || (drivenBy != ANY_REPLICA && !drivenBy.equals(e.drivenBy))
                    || (attempt != ANY_ATTEMPT && e.attempt != attempt) || !e.state.accepts(event)) {
                return Uni.createFrom().<Execution> nullItem();
            }
            ExecutionState from = e.state;
            int eventAttempt = e.attempt;
            e.state = from.next(event);
            e.updatedAt = Instant.now();
            change.accept(e);
            return record(e.id, eventAttempt, event.name(), from, e.state, detail).call(() -> announce(e.id))
                    .replaceWith(e);
        }))).onFailure(ExecutionStore::lostRace).retry().atMost(5)
                .invoke(e -> {
                    if (e != null) {
                        changes.publish(view(e));
                    }
                });
    }

    /** Appends an event row in the current transaction. */
    static Uni<ExecutionRecord> record(UUID id, int attempt, String event, ExecutionState from, ExecutionState to,
            String detail) {
        ExecutionRecord r = new ExecutionRecord();
        r.executionId = id;
        r.at = Instant.now();
        r.attempt = attempt;
        r.event = event;
        r.fromState = from;
        r.toState = to;
        r.detail = detail;
        return r.persist();
    }

    /**
     * Tells every replica's {@link ReplicaChanges} that the execution changed. PostgreSQL delivers the notification
     * when the transaction commits, and not at all when it rolls back.
     */
    private static Uni<Integer> announce(UUID id) {
        return Panache.getSession().chain(s -> s.createNativeQuery("select pg_notify(?1, ?2)")
                .setParameter(1, ReplicaChanges.CHANNEL).setParameter(2, id.toString()).executeUpdate());
    }

    Uni<Execution> find(UUID id) {
        return database.run(() -> Panache.withSession(() -> Execution.<Execution> findById(id)));
    }

    /** Which of these executions are unfinished (SUBMITTED or RUNNING): some replica drives them, or will. */
    public Uni<Set<UUID>> unfinished(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return database.run(() -> Panache.withSession(() -> Execution.<Execution> list("id in ?1 and state in ?2",
                List.copyOf(ids), List.of(ExecutionState.SUBMITTED, ExecutionState.RUNNING))))
                .map(rows -> rows.stream().map(e -> e.id).collect(Collectors.toSet()));
    }

    void publish(Execution e) {
        changes.publish(view(e));
    }

    /** The job an execution runs, as it was resolved at submit. */
    ResolvedJob job(Execution e) {
        JobSpec spec = read(e.spec, JobSpec.class);
        String type = spec.engine().type().isEmpty() ? JobSpecResolver.DEFAULT_ENGINE_TYPE : spec.engine().type();
        return new ResolvedJob(spec, EngineRelease.current(type, spec.engine().version(), e.sparkVersion, e.image),
                e.image, read(e.sparkConf, CONF), spec.timeout(), spec.retryPolicy(), List.of());
    }

    static RunRequest run(Execution e, ResolvedJob job, int attempt) {
        return new RunRequest(e.id.toString(), attempt, e.team, e.target, job);
    }

    /** The spec as stored: resolved, with the timeout and retry policy that apply. */
    String specJson(ResolvedJob job) {
        return write(job.spec().withLimits(job.timeout(), job.retryPolicy()));
    }

    String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot store " + value.getClass().getSimpleName(), e);
        }
    }

    private <T> T read(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored " + type.getSimpleName() + " is unreadable", e);
        }
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored value is unreadable", e);
        }
    }

    List<String> lines(Execution e) {
        return e.lastLogLines == null ? List.of() : read(e.lastLogLines, LINES);
    }

    ExecutionView view(Execution e) {
        return new ExecutionView(e.id, e.team, e.name, e.owner, e.environment, e.state, e.attempt, e.vendorRunId,
                e.target, e.image, e.submittedBy, e.submittedAt, e.startedAt, e.finishedAt, e.updatedAt,
                e.nextAttemptAt, e.reason, e.hint, e.failureClass, lines(e), e.sparkUiUrl, e.logsUrl, e.version);
    }

    /** Another transaction changed the row first (optimistic lock): re-read and decide again. */
    private static boolean lostRace(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof jakarta.persistence.OptimisticLockException
                    || c instanceof org.hibernate.StaleStateException) {
                return true;
            }
        }
        return false;
    }
}
