package dev.pedregal.gateway.capacity.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.pedregal.gateway.capacity.Reservation;
import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.config.GatewayConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The capacity ledger in PostgreSQL: committed reservations (what the calendar is rebuilt from), what they cost
 * when they end, what teams bought, and the standing that follows. Every method returns a {@link Uni} and may be
 * called from any thread; nothing blocks. Without a database ({@code quarkus.datasource.active=false}) nothing is
 * stored and every team is unmetered.
 */
@ApplicationScoped
public class CapacityLedger {

    private static final Logger LOG = Logger.getLogger(CapacityLedger.class);
    static final Set<String> KINDS = Set.of("session", "cluster", "job");
    /** Standing asked on every new session is answered from memory for this long; this replica's changes clear it. */
    private static final Duration STANDING_TTL = Duration.ofSeconds(5);
    private static final String UNIQUE_VIOLATION = "23505";

    private final GatewayConfig config;
    private final LedgerContext db;
    private final LedgerCapacities capacities;
    private final boolean durable;
    private final Map<String, CachedStanding> standings = new ConcurrentHashMap<>();

    private record CachedStanding(Standing standing, Instant until) {
    }

    public CapacityLedger(GatewayConfig config, LedgerContext db, LedgerCapacities capacities,
            @ConfigProperty(name = "quarkus.datasource.active", defaultValue = "true") boolean durable) {
        this.config = config;
        this.db = db;
        this.capacities = capacities;
        this.durable = durable;
    }

    /**
     * Records a reservation the calendar committed. Idempotent by id: a retry (or a concurrent duplicate) leaves
     * the first record as it is.
     *
     * @param kind    session, cluster or job
     * @param subject what holds it: a session id, a cluster name, an execution id
     */
    public Uni<Void> committed(Reservation r, String kind, String subject) {
        if (!KINDS.contains(kind)) {
            return Uni.createFrom().failure(new IllegalArgumentException("reservation kind must be one of " + KINDS + ": " + kind));
        }
        if (!durable) {
            return Uni.createFrom().voidItem();
        }
        return db.transaction(() -> ReservationRecord.<ReservationRecord> findById(r.id()).chain(existing -> {
            if (existing != null) {
                return Uni.createFrom().voidItem();
            }
            ReservationRecord record = new ReservationRecord();
            record.id = r.id();
            record.team = r.team();
            record.pool = r.pool();
            record.kind = kind;
            record.subject = subject == null ? "" : subject;
            record.vcpuMillis = r.size().vcpuMillis();
            record.memoryMib = r.size().memoryMib();
            record.startAt = r.start();
            record.endAt = r.end();
            record.state = ReservationRecord.COMMITTED;
            record.createdAt = Instant.now();
            return record.persist().replaceWithVoid();
        })).onFailure(CapacityLedger::isUniqueViolation).recoverWithItem(() -> null);
    }

    /** The committed reservations held by {@code subject} (a cluster id, an execution id), oldest first. */
    public Uni<List<Reservation>> committedFor(String kind, String subject) {
        if (!durable) {
            return Uni.createFrom().item(List.of());
        }
        return db.session(() -> ReservationRecord.<ReservationRecord> list(
                "kind = ?1 and subject = ?2 and state = ?3 order by createdAt", kind, subject, ReservationRecord.COMMITTED))
                .map(records -> records.stream().map(ReservationRecord::reservation).toList());
    }

    /** Moves a committed reservation's end later (an earlier or equal end, or a released one, is left alone). */
    public Uni<Void> extended(String pool, String id, Instant newEnd) {
        if (!durable) {
            return Uni.createFrom().voidItem();
        }
        return db.transaction(() -> ReservationRecord.update("endAt = ?1 where id = ?2 and pool = ?3 and state = ?4 and endAt < ?1",
                newEnd, id, pool, ReservationRecord.COMMITTED)).replaceWithVoid();
    }

    /**
     * Marks a committed reservation released at {@code at} and charges its team vCPU × actual runtime (start → at)
     * in that pool. Idempotent: a released or unknown reservation is charged nothing more.
     */
    public Uni<Void> ended(String pool, String id, Instant at) {
        if (!durable) {
            return Uni.createFrom().voidItem();
        }
        return db.transaction(() -> ReservationRecord.<ReservationRecord> findById(id).chain(r -> {
            if (r == null || !r.pool.equals(pool) || !ReservationRecord.COMMITTED.equals(r.state)) {
                LOG.debugf("reservation %s in %s is unknown or already released: nothing charged", id, pool);
                return Uni.createFrom().<String> nullItem();
            }
            r.state = ReservationRecord.RELEASED;
            r.releasedAt = at;
            Charge charge = new Charge();
            charge.team = r.team;
            charge.pool = r.pool;
            charge.reservationId = r.id;
            charge.ranFrom = r.startAt;
            charge.ranTo = at.isBefore(r.startAt) ? r.startAt : at;
            charge.mcpuSeconds = cost(r.vcpuMillis, r.startAt, at);
            charge.at = Instant.now();
            return charge.persist().replaceWith(r.team);
        })).invoke(team -> {
            if (team != null) {
                standings.remove(team);
            }
        }).replaceWithVoid();
    }

    /** vCPU (millis) × runtime in seconds, a started second counting in full; nothing before the start. */
    static long cost(long vcpuMillis, Instant start, Instant end) {
        long millis = Math.max(0, Duration.between(start, end).toMillis());
        return Math.multiplyExact(vcpuMillis, (millis + 999) / 1000);
    }

    /** The team's standing, from memory when asked again within a few seconds (admission asks on every new session). */
    public Uni<Standing> standing(String team) {
        CachedStanding cached = standings.get(team);
        Instant now = Instant.now();
        if (cached != null && now.isBefore(cached.until())) {
            return Uni.createFrom().item(cached.standing());
        }
        return balance(team).invoke(s -> standings.put(team, new CachedStanding(s, now.plus(STANDING_TTL))));
    }

    /** The team's standing read now, with its balance in every pool where it holds an active purchase. */
    public Uni<Standing> balance(String team) {
        if (!durable) {
            return Uni.createFrom().item(Standing.unmetered(team));
        }
        Instant now = Instant.now();
        int warning = config.capacity().budgetWarningPercent();
        return db.session(() -> Purchase.<Purchase> list("team = ?1 and validFrom <= ?2 and validTo > ?2", team, now)
                .chain(purchases -> Multi.createFrom().iterable(PurchaseTotals.of(purchases, now).values())
                        .onItem().transformToUniAndConcatenate(t -> used(team, t.pool(), t.since())
                                .map(used -> t.balance(team, used, warning)))
                        .collect().asList()))
                .map(balances -> new Standing(team, balances));
    }

    private static Uni<Long> used(String team, String pool, Instant since) {
        return Panache.getSession().chain(s -> s.createSelectionQuery(
                "select sum(c.mcpuSeconds) from Charge c where c.team = ?1 and c.pool = ?2 and c.at >= ?3", Long.class)
                .setParameter(1, team).setParameter(2, pool).setParameter(3, since)
                .getSingleResultOrNull())
                .map(sum -> sum == null ? 0L : sum);
    }

    /**
     * Records a purchase, then refreshes team caps and forgets the team's cached standing. A dedicated share must
     * fit beside the dedicated shares already sold in the pool for an overlapping validity, else
     * {@link DedicatedOversold}.
     */
    public Uni<Purchase> purchase(PurchaseOrder order, String createdBy) {
        Purchase p = new Purchase();
        p.id = UUID.randomUUID();
        p.team = order.team();
        p.pool = order.pool();
        p.kind = order.kind();
        p.vcpuMillis = order.kind() == PurchaseKind.DEDICATED ? order.share().vcpuMillis() : null;
        p.memoryMib = order.kind() == PurchaseKind.DEDICATED ? order.share().memoryMib() : null;
        p.budgetMcpuSeconds = order.kind() == PurchaseKind.BUDGET ? order.budgetMcpuSeconds() : null;
        p.period = order.period();
        p.validFrom = order.validity().from();
        p.validTo = order.validity().to();
        p.createdBy = createdBy;
        p.createdAt = Instant.now();
        return db.transaction(() -> unsold(order).chain(() -> p.<Purchase> persist()))
                .call(capacities::refresh)
                .invoke(() -> standings.remove(order.team()));
    }

    private Uni<Void> unsold(PurchaseOrder order) {
        if (order.kind() != PurchaseKind.DEDICATED) {
            return Uni.createFrom().voidItem();
        }
        return PoolRecord.<PoolRecord> findById(order.pool()).chain(pool -> Purchase.<Purchase> list(
                "pool = ?1 and kind = ?2 and validFrom < ?3 and validTo > ?4", order.pool(), PurchaseKind.DEDICATED,
                order.validity().to(), order.validity().from()).map(sold -> {
                    if (pool == null) {
                        throw new IllegalStateException("pool " + order.pool() + " is not stored yet; retry shortly");
                    }
                    // Summing every overlapping share over-counts shares that never overlap each other: a safe bound.
                    long vcpu = sold.stream().mapToLong(s -> s.vcpuMillis).sum();
                    long memory = sold.stream().mapToLong(s -> s.memoryMib).sum();
                    if (vcpu + order.share().vcpuMillis() > pool.vcpuMillis || memory + order.share().memoryMib() > pool.memoryMib) {
                        throw new DedicatedOversold(pool.name, new Resources(pool.vcpuMillis, pool.memoryMib),
                                new Resources(vcpu, memory), order.share());
                    }
                    return null;
                }));
    }

    /** The team's purchases, newest first, including those that ended. */
    public Uni<List<Purchase>> purchases(String team) {
        if (!durable) {
            return Uni.createFrom().item(List.of());
        }
        return db.session(() -> Purchase.<Purchase> list("team = ?1 order by createdAt desc", team));
    }

    /** One purchase of the team; empty when there is none with that id (or it is another team's). */
    public Uni<Optional<Purchase>> purchase(String team, UUID id) {
        if (!durable) {
            return Uni.createFrom().item(Optional.empty());
        }
        return db.session(() -> Purchase.<Purchase> findById(id))
                .map(p -> Optional.ofNullable(p).filter(found -> found.team.equals(team)));
    }

    /**
     * The pool an environment draws on in a region (null: the first of {@code pedregal.provisioning.regions}).
     * When several pools serve it, the first by name.
     */
    public Optional<String> poolFor(String environment, String region) {
        String where = region != null ? region : config.provisioning().regions().get(0);
        return new TreeMap<>(config.capacity().pools()).entrySet().stream()
                .filter(e -> e.getValue().region().equals(where) && e.getValue().environments().contains(environment))
                .map(Map.Entry::getKey).findFirst();
    }

    /** Names of the pools serving an environment, in any region (for messages). */
    public List<String> poolsOf(String environment) {
        List<String> out = new ArrayList<>();
        new TreeMap<>(config.capacity().pools()).forEach((name, pool) -> {
            if (pool.environments().contains(environment)) {
                out.add(name + " (" + pool.region() + ")");
            }
        });
        return out;
    }

    static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof io.vertx.pgclient.PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
                return true;
            }
        }
        return false;
    }
}
