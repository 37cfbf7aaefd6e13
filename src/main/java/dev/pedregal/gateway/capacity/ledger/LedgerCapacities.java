package dev.pedregal.gateway.capacity.ledger;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.pedregal.gateway.capacity.PoolCapacities;
import dev.pedregal.gateway.capacity.PoolCapacity;
import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.config.GatewayConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Pool sizes and team caps for the calendar, served from memory: {@link #find} is called on every calendar
 * operation and must not wait. The cache starts from the configuration, is replaced from PostgreSQL at start
 * (after the configured pools are upserted), after every purchase, and every {@code capacity-refresh}. Team caps
 * follow the purchases active at refresh time (see {@link #capacities}).
 */
@ApplicationScoped
public class LedgerCapacities implements PoolCapacities {

    private static final Logger LOG = Logger.getLogger(LedgerCapacities.class);
    private static final String UPSERT = "INSERT INTO capacity_pool (name, region, environments, vcpu_millis, memory_mib,"
            + " configured, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, true, ?6) ON CONFLICT (name) DO UPDATE SET"
            + " region = excluded.region, environments = excluded.environments, vcpu_millis = excluded.vcpu_millis,"
            + " memory_mib = excluded.memory_mib, configured = true, updated_at = excluded.updated_at";

    private final GatewayConfig config;
    private final LedgerContext db;
    private final Vertx vertx;
    private final boolean durable;
    private final AtomicReference<Map<String, PoolCapacity>> current;
    /** Until the first seed succeeds (database down at start), each refresh tick tries it again. */
    private volatile boolean seeded;

    public LedgerCapacities(GatewayConfig config, LedgerContext db, Vertx vertx,
            @ConfigProperty(name = "quarkus.datasource.active", defaultValue = "true") boolean durable) {
        this.config = config;
        this.db = db;
        this.vertx = vertx;
        this.durable = durable;
        this.current = new AtomicReference<>(fromConfig(config, durable));
    }

    void onStart(@Observes StartupEvent event) {
        if (!durable) {
            return;
        }
        seed().chain(this::refresh).subscribe().with(ok -> LOG.infof("capacity pools: %s", current.get().keySet()),
                failure -> LOG.warnf("could not store the capacity pools yet (retried every %s): %s",
                        config.capacity().capacityRefresh(), failure.getMessage()));
        vertx.setPeriodic(config.capacity().capacityRefresh().toMillis(), id -> seededRefresh());
    }

    @Override
    public Optional<PoolCapacity> find(String pool) {
        return Optional.ofNullable(current.get().get(pool));
    }

    @Override
    public Collection<String> pools() {
        return current.get().keySet();
    }

    /** Re-reads pools and active purchases; a failure keeps the previous answer. */
    public Uni<Void> refresh() {
        if (!durable) {
            return Uni.createFrom().voidItem();
        }
        Instant now = Instant.now();
        return db.session(() -> PoolRecord.<PoolRecord> list("configured", true)
                .chain(pools -> Purchase.<Purchase> list("validFrom <= ?1 and validTo > ?1", now)
                        .map(active -> capacities(pools, active, now, this::purchaseRequired))))
                .invoke(current::set)
                .replaceWithVoid();
    }

    /**
     * Each pool with its team caps: a team's cap is the sum of its active dedicated shares there. Where a purchase
     * is required, a team with only a budget there may use the whole pool (its cap is the pool's total), and any
     * other team has none.
     */
    static Map<String, PoolCapacity> capacities(List<PoolRecord> pools, List<Purchase> active, Instant now,
            Predicate<String> purchaseRequired) {
        Map<String, Map<String, Resources>> caps = new HashMap<>();
        Map<String, Set<String>> buyers = new HashMap<>();
        for (Purchase p : active) {
            if (!p.activeAt(now)) {
                continue;
            }
            buyers.computeIfAbsent(p.pool, k -> new HashSet<>()).add(p.team);
            if (p.kind == PurchaseKind.DEDICATED) {
                caps.computeIfAbsent(p.pool, k -> new HashMap<>()).merge(p.team, p.share(), Resources::plus);
            }
        }
        Map<String, PoolCapacity> out = new TreeMap<>();
        for (PoolRecord pool : pools) {
            Resources total = new Resources(pool.vcpuMillis, pool.memoryMib);
            boolean required = purchaseRequired.test(pool.name);
            Map<String, Resources> teamCaps = new HashMap<>(caps.getOrDefault(pool.name, Map.of()));
            if (required) {
                buyers.getOrDefault(pool.name, Set.of()).forEach(team -> teamCaps.putIfAbsent(team, total));
            }
            out.put(pool.name, new PoolCapacity(pool.name, total, teamCaps, required));
        }
        return Map.copyOf(out);
    }

    private boolean purchaseRequired(String pool) {
        GatewayConfig.Capacity.CapacityPool configured = config.capacity().pools().get(pool);
        return configured == null ? config.capacity().requirePurchase()
                : configured.requirePurchase().orElse(config.capacity().requirePurchase());
    }

    private void seededRefresh() {
        (seeded ? refresh() : seed().chain(this::refresh)).subscribe().with(ok -> {
        }, failure -> LOG.warnf("capacity pools not refreshed: %s", failure.getMessage()));
    }

    /** Upserts the configured pools, and marks pools no longer configured. Idempotent; done at start. */
    public Uni<Void> seed() {
        Instant now = Instant.now();
        Map<String, GatewayConfig.Capacity.CapacityPool> configured = new TreeMap<>(config.capacity().pools());
        return db.transaction(() -> Multi.createFrom().iterable(configured.entrySet())
                .onItem().transformToUniAndConcatenate(e -> Panache.getSession().chain(s -> s.createNativeQuery(UPSERT)
                        .setParameter(1, e.getKey()).setParameter(2, e.getValue().region())
                        .setParameter(3, String.join(",", e.getValue().environments()))
                        .setParameter(4, vcpuMillis(e.getValue().vcpu())).setParameter(5, e.getValue().memoryMib())
                        .setParameter(6, now).executeUpdate()))
                .collect().last()
                .chain(() -> configured.isEmpty() ? PoolRecord.update("configured = false")
                        : PoolRecord.update("configured = false where name not in ?1", List.copyOf(configured.keySet())))
                .invoke(() -> seeded = true)
                .replaceWithVoid());
    }

    /** The configured pools without purchases; without a database no purchase can be recorded, so none is required. */
    static Map<String, PoolCapacity> fromConfig(GatewayConfig config, boolean durable) {
        Map<String, PoolCapacity> out = new TreeMap<>();
        config.capacity().pools().forEach((name, pool) -> out.put(name, new PoolCapacity(name,
                new Resources(vcpuMillis(pool.vcpu()), pool.memoryMib()), Map.of(),
                durable && pool.requirePurchase().orElse(config.capacity().requirePurchase()))));
        return Map.copyOf(out);
    }

    static long vcpuMillis(double vcpu) {
        return Math.round(vcpu * 1000);
    }
}
