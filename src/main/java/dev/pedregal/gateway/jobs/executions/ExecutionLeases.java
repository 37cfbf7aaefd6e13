package dev.pedregal.gateway.jobs.executions;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.pedregal.gateway.config.ReplicaName;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Which replica drives each unfinished execution: the execution row's {@code driven_by} (the lease holder) and
 * {@code lease_until}. The replica that submits takes the lease, renews all of its leases in one UPDATE, and claims
 * executions whose lease ran out (their replica died or lost PostgreSQL) with {@code FOR UPDATE SKIP LOCKED}, so
 * that of several replicas scanning at once each execution goes to one. A claim raises the row's version: a state
 * change the previous holder had in flight loses the race at the version, re-reads, and is dropped because the
 * execution is no longer its to drive ({@link ExecutionStore#transition}).
 *
 * <p>
 * The holder is the replica's name with a suffix per process: a restarted process does not mistake its previous
 * life's leases for ones it drives; they run out and are claimed like any other. Lease times are PostgreSQL's clock,
 * except the first one, taken at insert from the submitting replica's.
 */
@ApplicationScoped
public class ExecutionLeases {

    private static final String LIVE = "state IN ('SUBMITTED', 'RUNNING')";
    private static final String RENEW = "UPDATE execution SET lease_until = now() + make_interval(secs => ?1) "
            + "WHERE driven_by = ?2 AND " + LIVE + " RETURNING id";
    /** Rows another replica is claiming at the same moment are skipped, not waited for. */
    private static final String CLAIM = "UPDATE execution SET driven_by = ?1, lease_until = now() + make_interval("
            + "secs => ?2), version = version + 1 WHERE id IN (SELECT id FROM execution WHERE " + LIVE + " AND "
            + "(lease_until IS NULL OR lease_until < now()) ORDER BY lease_until NULLS FIRST LIMIT ?3 "
            + "FOR UPDATE SKIP LOCKED) RETURNING id";
    private static final String RELEASE = "UPDATE execution SET lease_until = now() WHERE driven_by = ?1 AND " + LIVE;

    private final DatabaseContext database;
    private final JobsConfig.Lease config;
    private final String holder;

    @Inject
    public ExecutionLeases(DatabaseContext database, JobsConfig config, ReplicaName replica) {
        this(database, config, replica.name() + "/" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** Leases held as {@code holder}: tests play a second replica with one. */
    ExecutionLeases(DatabaseContext database, JobsConfig config, String holder) {
        this.database = database;
        this.config = config.lease();
        this.holder = holder;
    }

    /** The lease holder this replica drives executions as. */
    public String holder() {
        return holder;
    }

    /** A new execution is driven by the replica that submits it: the lease goes in with its row. */
    void take(Execution e) {
        e.drivenBy = holder;
        e.leaseUntil = Instant.now().plus(config.duration());
    }

    /** Extends every lease this replica holds on an unfinished execution; answers those executions. */
    Uni<Set<UUID>> renew() {
        return database.run(() -> Panache.withTransaction(() -> Panache.getSession().chain(s -> s
                .createNativeQuery(RENEW).setParameter(1, seconds()).setParameter(2, holder).getResultList())))
                .map(ExecutionLeases::ids);
    }

    /** Claims unfinished executions whose lease ran out (at most a batch) and answers their rows. */
    Uni<List<Execution>> claimExpired() {
        return database.run(() -> Panache.withTransaction(() -> Panache.getSession().chain(s -> s
                .createNativeQuery(CLAIM).setParameter(1, holder).setParameter(2, seconds())
                .setParameter(3, config.claimBatch()).getResultList())
                .map(ExecutionLeases::ids)
                .chain(ids -> ids.isEmpty() ? Uni.createFrom().item(List.<Execution> of())
                        : Execution.<Execution> list("id in ?1", List.copyOf(ids)))));
    }

    /** Lets every lease this replica holds run out now, so that another replica claims them at its next scan. */
    Uni<Integer> releaseAll() {
        return database.run(() -> Panache.withTransaction(() -> Panache.getSession().chain(s -> s
                .createNativeQuery(RELEASE).setParameter(1, holder).executeUpdate())));
    }

    private double seconds() {
        return config.duration().toMillis() / 1000.0;
    }

    private static Set<UUID> ids(List<?> rows) {
        Set<UUID> ids = new HashSet<>();
        for (Object row : rows) {
            ids.add(row instanceof UUID id ? id : UUID.fromString(row.toString()));
        }
        return ids;
    }
}
