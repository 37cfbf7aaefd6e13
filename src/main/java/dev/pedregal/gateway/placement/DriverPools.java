package dev.pedregal.gateway.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.pedregal.gateway.backend.DriverBackend;
import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.observability.GatewayMetrics;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Every pool, keyed by (team, environment), and an index of every driver by id for the per-RPC path.
 * Pools named in configuration are warmed at start; others are created on their first session.
 */
@ApplicationScoped
public class DriverPools {

    private final GatewayConfig config;
    private final DriverBackend backend;
    private final Vertx vertx;
    private final GatewayMetrics metrics;
    private final int maxMessageSize;
    private final Map<PoolKey, DriverPool> pools = new ConcurrentHashMap<>();
    private final Map<String, DriverPool> byCluster = new ConcurrentHashMap<>();
    private final Map<String, Closed> closedClusters = new ConcurrentHashMap<>();

    private record Closed(PoolKey key, String reason) {
    }
    private final Map<String, Driver> drivers = new ConcurrentHashMap<>();
    private final List<BiConsumer<Driver, String>> lostListeners = new CopyOnWriteArrayList<>();
    private volatile boolean draining;

    public DriverPools(GatewayConfig config, DriverBackend backend, Vertx vertx, GatewayMetrics metrics,
            @ConfigProperty(name = "quarkus.grpc.server.max-inbound-message-size", defaultValue = "134217728")
            int maxMessageSize) {
        this.config = config;
        this.backend = backend;
        this.vertx = vertx;
        this.metrics = metrics;
        this.maxMessageSize = maxMessageSize;
    }

    /** Warms the pools configuration names. */
    public void start(Collection<PoolKey> warm) {
        warm.forEach(this::pool);
    }

    /** The hot pool of a team and environment, created (and warmed) on first use. */
    public DriverPool pool(PoolKey key) {
        DriverPool pool = pools.get(key);
        if (pool != null) {
            return pool;
        }
        return pools.computeIfAbsent(key, k -> create(k, new PoolSettings(warmDrivers(k), 0, config.pool().maxDrivers(),
                Map.of(), backend)));
    }

    /** Opens the pool of a provisioned cluster, or returns it when it is open already. */
    public DriverPool open(PoolKey key, PoolSettings settings) {
        closedClusters.remove(key.cluster());
        DriverPool pool = pools.computeIfAbsent(key, k -> create(k, settings));
        byCluster.put(key.cluster(), pool);
        return pool;
    }

    /** The open pool of the cluster with this name, or null. */
    public DriverPool cluster(String name) {
        return byCluster.get(name);
    }

    /** Why the cluster with this name closed, when it did recently; null otherwise. */
    public String closedReason(String name) {
        Closed closed = closedClusters.get(name);
        return closed == null ? null : closed.reason();
    }

    /** The pool key of a cluster that closed recently, or null. */
    public PoolKey closedCluster(String name) {
        Closed closed = closedClusters.get(name);
        return closed == null ? null : closed.key();
    }

    /** Closes a cluster's pool: its drivers stop and its sessions are told {@code reason}. */
    public Uni<Void> close(PoolKey key, String reason) {
        DriverPool pool = pools.remove(key);
        if (key.isCluster()) {
            byCluster.remove(key.cluster(), pool);
            closedClusters.put(key.cluster(), new Closed(key, reason));
        }
        if (pool == null) {
            return Uni.createFrom().voidItem();
        }
        metrics.removePool(pool.name());
        return pool.close(reason);
    }

    private DriverPool create(PoolKey key, PoolSettings settings) {
        DriverPool created = new DriverPool(key, settings, config, vertx, metrics, maxMessageSize, drivers,
                (driver, reason) -> lostListeners.forEach(l -> l.accept(driver, reason)));
        vertx.runOnContext(v -> {
            created.start();
            if (draining) {
                created.drain();
            }
        });
        return created;
    }

    /** The backend of hot pools and of clusters placed on the embedded target. */
    public DriverBackend defaultBackend() {
        return backend;
    }

    private int warmDrivers(PoolKey key) {
        GatewayConfig.Environment env = config.environments().get(key.environment());
        return env != null && env.warmDrivers().isPresent() ? env.warmDrivers().getAsInt() : config.pool().warmDrivers();
    }

    /** The driver with this id in any pool, or null. */
    public Driver driver(String id) {
        return drivers.get(id);
    }

    /** {@code host:port} of a driver this replica started, or null (unknown, or another replica's). */
    public String endpointOf(String id) {
        Driver d = drivers.get(id);
        return d == null || d.peer() ? null : d.handle().host() + ":" + d.handle().port();
    }

    /**
     * Makes a driver another replica started reachable here, in this replica's pool of the same key (a hot pool
     * is opened for it if need be; a cluster pool only if this replica has it open).
     */
    public void reach(PoolKey key, String driverId, String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0 || drivers.containsKey(driverId)) {
            return;
        }
        DriverPool pool = key.isCluster() ? pools.get(key) : pool(key);
        if (pool != null) {
            pool.adoptPeer(driverId, endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)),
                    "unknown");
        }
    }

    public Collection<DriverPool> all() {
        return pools.values();
    }

    /** True when some pool has a warm driver. */
    public boolean ready() {
        return pools.values().stream().anyMatch(DriverPool::ready);
    }

    /** Registers a listener told when any driver ends, so its sessions can be marked lost. */
    public void onDriverLost(BiConsumer<Driver, String> listener) {
        lostListeners.add(listener);
    }

    /** Stops placing new sessions in every pool. */
    public void drain() {
        draining = true;
        pools.values().forEach(DriverPool::drain);
    }

    /** Stops every driver of every pool. Blocks; called once at shutdown. */
    public void shutdown() {
        draining = true;
        for (DriverPool pool : new ArrayList<>(pools.values())) {
            pool.shutdown();
        }
    }
}
