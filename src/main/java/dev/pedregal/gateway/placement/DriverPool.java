package dev.pedregal.gateway.placement;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.backend.DriverBackend;
import dev.pedregal.gateway.backend.DriverHandle;
import dev.pedregal.gateway.backend.DriverSpec;
import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.connect.GatewayFailure;
import dev.pedregal.gateway.observability.GatewayMetrics;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * A pool of warm drivers. It places each new session on the least-loaded healthy driver with a free slot,
 * keeps {@code warm-drivers} drivers able to take a session at once, refills when a driver ends, stops idle
 * surplus drivers, and judges health actively (a real RPC every interval) and passively (consecutive failed
 * forwards eject a driver, with a backoff doubling per ejection).
 *
 * <p>Placement decisions are made under this object's lock, which is held only for in-memory bookkeeping
 * (never across I/O). The per-RPC path of a bound session never takes it.
 */
public final class DriverPool {

    private static final Logger LOG = Logger.getLogger(DriverPool.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    /** Spark Connect's pre-shared-key setting: the server then requires {@code authorization: Bearer <key>}. */
    public static final String DRIVER_TOKEN_CONF = "spark.connect.authenticate.token";

    private final PoolKey key;
    private final String name;
    private volatile PoolSettings settings;
    private final String authorization;
    private final byte[] secret;
    private final Map<String, String> sparkConf;
    private final GatewayConfig.Pool config;
    private final GatewayConfig.Connect connect;
    private final DriverBackend backend;
    private final Vertx vertx;
    /** Why the pool's drivers are being stopped for good, told to their sessions; null while serving. */
    private volatile String closingReason;
    private final GatewayMetrics metrics;
    private final int maxMessageSize;

    private final Map<String, Driver> drivers = new ConcurrentHashMap<>();
    /** Drivers of this pool that other replicas started (shared session store only). */
    private final Map<String, Driver> peers = new ConcurrentHashMap<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final Map<String, Driver> index;
    private final BiConsumer<Driver, String> lost;
    /** Driver ids are unique across this gateway's pools; the random part keeps them apart across gateways. */
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private int launching;
    private boolean closed;
    private long timerId = -1;

    /**
     * @param index every pool's drivers by id, kept up to date by the pools
     * @param lost told when a driver of this pool ends, with the reason, so its sessions can be marked lost
     */
    DriverPool(PoolKey key, PoolSettings settings, GatewayConfig config, Vertx vertx,
            GatewayMetrics metrics, int maxMessageSize, Map<String, Driver> index, BiConsumer<Driver, String> lost) {
        this.key = key;
        this.name = key.name();
        this.settings = settings;
        this.index = index;
        this.lost = lost;
        // The pool's drivers accept only calls carrying this secret (spark.connect.authenticate.token), which
        // only the gateway adds: a client reaching a driver directly is refused.
        String secret = secret(key, config.pool().secretKey());
        this.authorization = "Bearer " + secret;
        this.secret = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Map<String, String> conf = new java.util.HashMap<>(config.pool().sparkConf());
        conf.putAll(settings.sparkConf());
        conf.put(DRIVER_TOKEN_CONF, secret);
        this.sparkConf = Map.copyOf(conf);
        this.config = config.pool();
        this.connect = config.connect();
        this.backend = settings.backend();
        this.vertx = vertx;
        this.metrics = metrics;
        this.maxMessageSize = maxMessageSize;
        metrics.poolGauges(name, this);
    }

    /** Starts the warm drivers and the health timer. */
    public void start() {
        reconcile();
        timerId = vertx.setPeriodic(config.healthInterval().toMillis(), id -> tick());
    }

    public String name() {
        return name;
    }

    public PoolKey key() {
        return key;
    }

    /** The pool's driver secret, to keep it out of what clients are sent. */
    public byte[] driverSecret() {
        return secret;
    }

    /** The {@code authorization} header value the pool's drivers require. */
    public String driverAuthorization() {
        return authorization;
    }

    public String backendName() {
        return backend.name();
    }

    public PoolSettings settings() {
        return settings;
    }

    /** Changes the pool's size; drivers are started or idle ones stopped to match. */
    public void resize(int warm, int min, int max) {
        settings = settings.resized(warm, min, max);
        vertx.runOnContext(v -> reconcile());
    }

    /** Drivers ready for sessions. */
    public long readyDrivers() {
        return drivers.values().stream().filter(d -> d.state() == DriverState.READY).count();
    }

    /** True once the pool takes no new sessions (draining, or closed for good). */
    public synchronized boolean closed() {
        return closed;
    }

    /** The driver with this id, or null when it is not (or no longer) in the pool. */
    public Driver driver(String id) {
        return drivers.get(id);
    }

    public Collection<Driver> drivers() {
        return drivers.values();
    }

    /** Drivers of this pool that other gateway replicas started and this one forwards to. */
    public Collection<Driver> peers() {
        return peers.values();
    }

    /**
     * Makes a driver another replica started reachable from this one, or notes that it is still alive. Never
     * replaces a driver of this replica's own.
     */
    public void adoptPeer(String id, String host, int port, String owner) {
        Driver known = peers.get(id);
        if (known != null) {
            ((PeerHandle) known.handle()).seen(owner);
            return;
        }
        Driver peer;
        synchronized (this) {
            if (closed || index.containsKey(id)) {
                return;
            }
            peer = new Driver(id, this, new PeerHandle(id, host, port, owner),
                    new DriverChannels(host, port, maxMessageSize, vertx.nettyEventLoopGroup()));
            peer.state(DriverState.READY);
            peers.put(id, peer);
            index.put(id, peer);
        }
        LOG.infof("Driver %s of replica %s at %s:%d reachable as a peer", id, owner, host, port);
    }

    /** A peer driver ended (or its replica stopped reporting it): its sessions here are lost with {@code reason}. */
    public void dropPeer(String id, String reason) {
        Driver peer;
        synchronized (this) {
            peer = peers.remove(id);
            if (peer == null) {
                return;
            }
            index.remove(id, peer);
            peer.state(DriverState.GONE);
        }
        peer.channels().shutdownNow();
        ((PeerHandle) peer.handle()).end(reason);
        LOG.infof("Peer driver %s gone: %s", id, reason);
        lost.accept(peer, reason);
    }

    /** Drops the peers the registry has not mentioned since {@code cutoffMillis}. */
    public void dropPeersNotSeenSince(long cutoffMillis, String reason) {
        for (Driver peer : List.copyOf(peers.values())) {
            if (((PeerHandle) peer.handle()).seenAtMillis() < cutoffMillis) {
                dropPeer(peer.id(), reason);
            }
        }
    }

    /** True when at least one driver is warm. */
    public boolean ready() {
        return drivers.values().stream().anyMatch(d -> d.state() == DriverState.READY);
    }

    public synchronized int waiting() {
        return waiters.size();
    }


    /**
     * Takes a slot for a new session on the least-loaded healthy driver, waiting up to the configured
     * bound for one to become free or to start.
     */
    public Uni<Driver> acquire() {
        return Uni.createFrom().deferred(() -> {
            Waiter waiter;
            synchronized (this) {
                if (closed) {
                    return Uni.createFrom().failure(new GatewayFailure.Draining());
                }
                Driver driver = pickLocked(System.nanoTime());
                if (driver != null) {
                    driver.addSession();
                    waiter = null;
                } else {
                    waiter = new Waiter();
                    waiters.add(waiter);
                }
                if (waiter == null) {
                    vertx.runOnContext(v -> reconcile());
                    return Uni.createFrom().item(driver);
                }
            }
            reconcile();
            waiter.timer = vertx.setTimer(connect.driverWait().toMillis(), id -> expire(waiter));
            return Uni.createFrom().completionStage(waiter.future)
                    .onCancellation().invoke(() -> abandon(waiter));
        });
    }

    /** Frees the slot of a session that ended. */
    public void release(Driver driver) {
        driver.removeSession();
        List<Runnable> handOver;
        synchronized (this) {
            handOver = dispatchLocked();
        }
        handOver.forEach(Runnable::run);
    }

    /** Passive health: a forward to this driver failed for a reason on the driver's side. */
    public void forwardFailed(Driver driver) {
        if (driver.recordFailure(config.ejectAfterFailures())) {
            long ms;
            synchronized (this) {
                ms = driver.eject(config.ejectionBackoff().toNanos(), System.nanoTime());
            }
            metrics.driverEjected(name);
            LOG.warnf("Driver %s ejected for %d ms after %d consecutive failures", driver.id(), ms,
                    config.ejectAfterFailures());
            reconcile();
        }
    }

    /** Passive health: a forward to this driver completed. */
    public void forwardSucceeded(Driver driver) {
        driver.recordSuccess();
    }

    /**
     * Whether the driver has ended, or ends within {@code within}: used to tell a broken connection to a
     * driver that died from one that merely hiccupped.
     */
    public Uni<Boolean> confirmLost(Driver driver, Duration within) {
        if (driver.state() == DriverState.GONE) {
            return Uni.createFrom().item(true);
        }
        return Uni.createFrom().completionStage(driver.handle().terminated())
                .map(reason -> true)
                .ifNoItem().after(within).recoverWithItem(false);
    }

    /** Stops placing new sessions; sessions already bound keep their drivers. */
    public void drain() {
        List<Waiter> pending;
        synchronized (this) {
            closed = true;
            pending = new ArrayList<>(waiters);
            waiters.clear();
        }
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        pending.forEach(w -> w.future.completeExceptionally(new GatewayFailure.Draining()));
    }

    /**
     * Takes the pool out of service for good without blocking: no new sessions, every driver stopped, and
     * each bound session told {@code reason} at its next call.
     */
    public Uni<Void> close(String reason) {
        closingReason = reason;
        drain();
        List<Driver> all = new ArrayList<>(drivers.values());
        all.forEach(d -> d.state(DriverState.STOPPING));
        forgetPeers();
        if (all.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.join().all(all.stream().map(d -> backend.stop(d.handle()).onFailure().recoverWithNull()).toList())
                .andCollectFailures().replaceWithVoid();
    }

    /** Stops every driver. Blocks; called once at shutdown, after {@link #drain()}. */
    public void shutdown() {
        drain();
        drivers.values().forEach(d -> d.state(DriverState.STOPPING));
        for (Driver d : new ArrayList<>(drivers.values())) {
            try {
                backend.stop(d.handle()).await().atMost(Duration.ofSeconds(20));
            } catch (RuntimeException e) {
                LOG.warnf("Driver %s did not stop cleanly: %s", d.id(), e.getMessage());
            }
            d.channels().shutdownNow();
        }
        forgetPeers();
    }

    /** Closes the channels to peer drivers; they belong to other replicas, which keep running them. */
    private void forgetPeers() {
        for (Driver peer : new ArrayList<>(peers.values())) {
            peers.remove(peer.id());
            index.remove(peer.id(), peer);
            peer.channels().shutdownNow();
        }
    }

    // --- placement --------------------------------------------------------------------------------------

    private Driver pickLocked(long now) {
        Driver best = null;
        int bestSessions = Integer.MAX_VALUE;
        for (Driver d : drivers.values()) {
            if (d.state() != DriverState.READY) {
                continue;
            }
            int sessions = d.sessions();
            if (sessions < config.maxSessionsPerDriver() && sessions < bestSessions) {
                best = d;
                bestSessions = sessions;
            }
        }
        return best;
    }

    /** Hands free slots to waiters; returns the completions to run once the lock is released. */
    private List<Runnable> dispatchLocked() {
        List<Runnable> completions = new ArrayList<>();
        long now = System.nanoTime();
        while (!waiters.isEmpty()) {
            Driver driver = pickLocked(now);
            if (driver == null) {
                break;
            }
            Waiter waiter = waiters.poll();
            driver.addSession();
            vertx.cancelTimer(waiter.timer);
            completions.add(() -> waiter.future.complete(driver));
        }
        return completions;
    }

    private void expire(Waiter waiter) {
        boolean removed;
        synchronized (this) {
            removed = waiters.remove(waiter);
        }
        if (removed) {
            metrics.noDriver(name);
            waiter.future.completeExceptionally(new GatewayFailure.NoDriverAvailable(
                    "no Spark driver of pool '" + name + "' became free within " + connect.driverWait().toSeconds()
                            + " s (" + drivers.size() + " drivers, at most " + settings.maxDrivers() + ", "
                            + config.maxSessionsPerDriver() + " sessions each); retry shortly",
                    connect.retryAfter()));
        }
    }

    private void abandon(Waiter waiter) {
        boolean removed;
        synchronized (this) {
            removed = waiters.remove(waiter);
        }
        if (removed) {
            vertx.cancelTimer(waiter.timer);
        } else {
            // Cancelled after a slot was handed over: give it back.
            waiter.future.thenAccept(this::release);
        }
    }

    /** Starts drivers until the warm target and the waiters are covered; stops idle surplus. */
    void reconcile() {
        int toStart;
        List<Driver> toStop = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            long now = System.nanoTime();
            int alive = launching;
            int withRoom = launching;
            int startingSlots = launching * config.maxSessionsPerDriver();
            for (Driver d : drivers.values()) {
                DriverState s = d.state();
                if (s == DriverState.GONE || s == DriverState.STOPPING) {
                    continue;
                }
                alive++;
                if (s == DriverState.STARTING) {
                    withRoom++;
                    startingSlots += config.maxSessionsPerDriver();
                } else if (s == DriverState.READY && d.sessions() < config.maxSessionsPerDriver()) {
                    withRoom++;
                }
            }
            int unserved = Math.max(0, waiters.size() - startingSlots);
            int neededForWaiters = (unserved + config.maxSessionsPerDriver() - 1) / config.maxSessionsPerDriver();
            PoolSettings size = settings;
            int need = Math.max(Math.max(size.warmDrivers() - withRoom, 0) + neededForWaiters, size.minDrivers() - alive);
            toStart = Math.max(0, Math.min(need, size.maxDrivers() - alive));
            launching += toStart;

            // Idle drivers beyond the warm target go, never below the minimum; after a scale-down, any
            // driver without a session goes until the pool is within its new maximum.
            int overMax = alive - size.maxDrivers();
            int surplus = Math.min(Math.max(withRoom - size.warmDrivers(), overMax), alive - size.minDrivers());
            long idleLimit = config.idleStop().toNanos();
            for (Driver d : drivers.values()) {
                if (surplus <= 0) {
                    break;
                }
                boolean idle = d.state() == DriverState.READY && d.idleNanos(now) > idleLimit;
                if (idle || (overMax > 0 && d.state() == DriverState.READY && d.sessions() == 0)) {
                    d.state(DriverState.STOPPING);
                    toStop.add(d);
                    surplus--;
                    overMax--;
                }
            }
        }
        for (int i = 0; i < toStart; i++) {
            launch();
        }
        for (Driver d : toStop) {
            LOG.infof("Stopping idle surplus driver %s", d.id());
            backend.stop(d.handle()).subscribe().with(v -> {
            }, t -> LOG.warnf("Stopping driver %s failed: %s", d.id(), t.getMessage()));
        }
    }

    private void launch() {
        String id = "drv-" + SEQUENCE.incrementAndGet() + "-"
                + Integer.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextInt(0x1000000) | 0x1000000).substring(1);
        metrics.driverStarted(name);
        backend.start(new DriverSpec(id, name, sparkConf))
                .subscribe().with(handle -> launched(handle), failure -> {
                    synchronized (this) {
                        launching--;
                    }
                    metrics.driverFailed(name);
                    LOG.errorf("Could not start driver %s: %s", id, failure.getMessage());
                    vertx.setTimer(config.healthInterval().toMillis(), t -> reconcile());
                });
    }

    private void launched(DriverHandle handle) {
        DriverChannels channels = new DriverChannels(handle.host(), handle.port(), maxMessageSize,
                vertx.nettyEventLoopGroup());
        Driver driver = new Driver(handle.driverId(), this, handle, channels);
        boolean stopNow;
        synchronized (this) {
            launching--;
            stopNow = closed;
            drivers.put(driver.id(), driver);
            index.put(driver.id(), driver);
        }
        handle.terminated().thenAccept(reason -> terminated(driver, reason));
        if (stopNow) {
            backend.stop(handle).subscribe().with(v -> {
            }, t -> {
            });
            return;
        }
        awaitReady(driver, System.nanoTime() + config.startTimeout().toNanos());
    }

    private void awaitReady(Driver driver, long deadline) {
        if (driver.state() != DriverState.STARTING) {
            return;
        }
        // A starting driver refuses connections until its port is bound; without this the channel's
        // reconnect backoff (up to two minutes) would decide when the driver is first seen ready.
        driver.channels().resetConnectBackoff();
        DriverCalls.sparkVersion(driver, PROBE_TIMEOUT).subscribe().with(version -> warmUp(driver, version), failure -> {
            if (System.nanoTime() > deadline) {
                failStart(driver, "did not become ready within " + config.startTimeout());
            } else {
                LOG.debugf("Driver %s not ready yet: %s", driver.id(), failure.getMessage());
                vertx.setTimer(500, t -> awaitReady(driver, deadline));
            }
        });
    }

    /**
     * Runs the warm-up query on a driver that answers, so that Spark's first-job costs are paid here rather than
     * by the first session placed on it; then the driver is ready.
     */
    private void warmUp(Driver driver, String version) {
        String query = config.warmUpQuery().map(String::strip).orElse("");
        if (query.isEmpty()) {
            ready(driver, version);
            return;
        }
        long begin = System.nanoTime();
        DriverCalls.warmUp(driver, query, config.warmUpTimeout()).subscribe().with(
                batches -> {
                    LOG.infof("Driver %s warmed up with '%s' in %d ms", driver.id(), query,
                            Duration.ofNanos(System.nanoTime() - begin).toMillis());
                    ready(driver, version);
                },
                failure -> failStart(driver, "failed its warm-up query '" + query + "': " + failure.getMessage()));
    }

    private void ready(Driver driver, String version) {
        List<Runnable> handOver;
        synchronized (this) {
            if (driver.state() != DriverState.STARTING) {
                return;
            }
            driver.state(DriverState.READY);
            handOver = dispatchLocked();
        }
        metrics.driverReady(name, Duration.between(driver.startedAt(), driver.readyAt()));
        LOG.infof("Driver %s ready (Spark %s) in %d ms", driver.id(), version,
                Duration.between(driver.startedAt(), driver.readyAt()).toMillis());
        handOver.forEach(Runnable::run);
        reconcile();
    }

    /** A driver that could not start is stopped; the pool starts another in its place. */
    private void failStart(Driver driver, String why) {
        if (driver.state() != DriverState.STARTING) {
            return;
        }
        LOG.errorf("Driver %s %s; stopping it", driver.id(), why);
        metrics.driverFailed(name);
        driver.state(DriverState.STOPPING);
        backend.stop(driver.handle()).subscribe().with(v -> {
        }, t -> {
        });
    }

    private void terminated(Driver driver, String reason) {
        boolean intended = driver.state() == DriverState.STOPPING;
        synchronized (this) {
            driver.state(DriverState.GONE);
            drivers.remove(driver.id());
            index.remove(driver.id());
        }
        driver.channels().shutdownNow();
        if (!intended) {
            metrics.driverFailed(name);
            LOG.warnf("Driver %s ended unexpectedly: %s", driver.id(), reason);
        }
        String closing = closingReason;
        lost.accept(driver, closing != null ? closing : intended ? "stopped by the gateway" : reason);
        reconcile();
    }

    /** Periodic active health check, end of ejections, and reconciliation. */
    private void tick() {
        List<Driver> checked = new ArrayList<>(drivers.values());
        checked.addAll(peers.values());
        for (Driver d : checked) {
            if (d.state() == DriverState.READY || d.state() == DriverState.EJECTED) {
                DriverCalls.sparkVersion(d, PROBE_TIMEOUT).subscribe().with(v -> {
                    if (d.state() == DriverState.EJECTED && !d.ejected(System.nanoTime())) {
                        List<Runnable> handOver;
                        synchronized (this) {
                            d.state(DriverState.READY);
                            handOver = dispatchLocked();
                        }
                        LOG.infof("Driver %s healthy again; back in placement", d.id());
                        handOver.forEach(Runnable::run);
                    }
                }, failure -> forwardFailed(d));
            }
        }
        reconcile();
    }

    /**
     * The pool's driver secret: derived from the shared key (HMAC-SHA256 of the pool name) when one is
     * configured, so that every replica can call every driver of the pool; random for this process otherwise.
     */
    static String secret(PoolKey pool, java.util.Optional<String> sharedKey) {
        byte[] bytes;
        if (sharedKey.isPresent() && !sharedKey.get().isEmpty()) {
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(new javax.crypto.spec.SecretKeySpec(
                        sharedKey.get().getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
                bytes = mac.doFinal(pool.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        } else {
            bytes = new byte[32];
            new java.security.SecureRandom().nextBytes(bytes);
        }
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static final class Waiter {
        final CompletableFuture<Driver> future = new CompletableFuture<>();
        long timer;
    }

    /** Driver counts by state, for metrics and the operator view. */
    public Map<DriverState, Long> countByState() {
        Map<DriverState, Long> counts = new java.util.EnumMap<>(DriverState.class);
        for (DriverState s : DriverState.values()) {
            counts.put(s, 0L);
        }
        drivers.values().forEach(d -> counts.merge(d.state(), 1L, Long::sum));
        return counts;
    }
}
