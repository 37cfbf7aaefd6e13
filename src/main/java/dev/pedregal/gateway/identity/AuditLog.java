package dev.pedregal.gateway.identity;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.pedregal.gateway.placement.PoolKey;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The durable audit: session starts and ends, control-plane actions and refused calls, with time, request
 * id, team, user, session, driver, action and outcome. Recording never waits: entries are queued and
 * written to PostgreSQL in batches by a timer, off the data path; a failed batch is kept and retried, and
 * shutdown writes whatever is queued. Every entry also goes to the {@code dev.pedregal.gateway.audit} log
 * category. Entries never carry a token.
 */
@ApplicationScoped
public class AuditLog {

    private static final Logger LOG = Logger.getLogger("dev.pedregal.gateway.audit");
    private static final int BATCH = 500;
    private static final int MAX_QUEUED = 100_000;
    private static final String INSERT = "INSERT INTO audit_event (at, request_id, team, environment, user_id, session_id,"
            + " driver_id, action, outcome, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

    private final Instance<Pool> database;
    private final boolean durable;
    private final ConcurrentLinkedQueue<Entry> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean writing = new AtomicBoolean();

    public AuditLog(Instance<Pool> database, Vertx vertx,
            @ConfigProperty(name = "quarkus.datasource.active", defaultValue = "true") boolean durable) {
        this.database = database;
        this.durable = durable;
        if (durable) {
            vertx.setPeriodic(200, id -> write().subscribe().with(n -> {
            }, t -> {
            }));
        }
    }

    /** One audited fact. */
    public record Entry(Instant at, String requestId, String team, String environment, String userId, String sessionId,
            String driverId, String action, String outcome, String reason) {
    }

    /** Records an event; returns at once. {@code pool} and the identifiers may be null when not known. */
    public void record(String requestId, PoolKey pool, String userId, String sessionId, String driverId, String action,
            String outcome, String reason) {
        Entry entry = new Entry(Instant.now(), requestId, pool == null ? null : pool.team(),
                pool == null ? null : pool.environment(), userId, sessionId, driverId, action, outcome, reason);
        LOG.infof("action=%s outcome=%s reason=%s team=%s env=%s user=%s session=%s driver=%s request=%s", action,
                outcome, reason, entry.team(), entry.environment(), userId, sessionId, driverId, requestId);
        if (!durable) {
            return;
        }
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            LOG.errorf("audit queue full (%d): an event was not stored durably", MAX_QUEUED);
            return;
        }
        pending.add(entry);
    }

    /** Writes one batch of queued entries; answers how many were written. */
    Uni<Integer> write() {
        if (pending.isEmpty() || !writing.compareAndSet(false, true)) {
            return Uni.createFrom().item(0);
        }
        List<Entry> batch = new ArrayList<>();
        for (Entry e; batch.size() < BATCH && (e = pending.poll()) != null;) {
            batch.add(e);
        }
        List<Tuple> rows = new ArrayList<>(batch.size());
        for (Entry e : batch) {
            rows.add(Tuple.tuple().addOffsetDateTime(OffsetDateTime.ofInstant(e.at(), ZoneOffset.UTC))
                    .addString(e.requestId()).addString(e.team()).addString(e.environment()).addString(e.userId())
                    .addString(e.sessionId()).addString(e.driverId()).addString(e.action()).addString(e.outcome())
                    .addString(e.reason()));
        }
        return database.get().preparedQuery(INSERT).executeBatch(rows)
                .map(r -> {
                    queued.addAndGet(-batch.size());
                    return batch.size();
                })
                .onFailure().recoverWithItem(t -> {
                    pending.addAll(batch); // kept, written on a later tick
                    LOG.warnf("audit batch of %d not written yet: %s", batch.size(), t.getMessage());
                    return 0;
                })
                .eventually(() -> writing.set(false));
    }


    /** Writes everything queued, waiting up to the timeout; for an orderly shutdown. Blocks. */
    public void flush(Duration timeout) {
        if (!durable) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            if (write().await().atMost(timeout) == 0) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        if (!pending.isEmpty()) {
            LOG.errorf("%d audit event(s) could not be stored before shutdown", pending.size());
        }
    }
}
