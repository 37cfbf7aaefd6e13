package dev.pedregal.gateway.placement;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import dev.pedregal.gateway.backend.DriverHandle;
import io.grpc.ManagedChannel;

/**
 * A pooled Spark Connect driver as the gateway sees it: its channel, its sessions and its health.
 * Placement fields are changed under the pool's lock; counters are lock-free for the per-RPC path.
 */
public final class Driver {

    private final String id;
    private final DriverPool pool;
    private final DriverHandle handle;
    private final DriverChannels channels;
    private final Instant startedAt = Instant.now();

    private volatile DriverState state = DriverState.STARTING;
    private volatile Instant readyAt;
    private volatile long idleSinceNanos = System.nanoTime();
    private volatile long ejectedUntilNanos;
    private int ejections;
    private int sessions;

    private final LongAdder rpcs = new LongAdder();
    private final LongAdder failedForwards = new LongAdder();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();

    Driver(String id, DriverPool pool, DriverHandle handle, DriverChannels channels) {
        this.id = id;
        this.pool = pool;
        this.handle = handle;
        this.channels = channels;
    }

    public String id() {
        return id;
    }

    /** The pool the driver belongs to. */
    public DriverPool pool() {
        return pool;
    }

    public DriverHandle handle() {
        return handle;
    }

    /** True for a driver another gateway replica started: forwarded to here, never placed on or stopped. */
    public boolean peer() {
        return handle instanceof PeerHandle;
    }

    /** The channel to forward an RPC on: the connection of the calling thread's event loop. */
    public ManagedChannel channel() {
        return channels.current();
    }

    DriverChannels channels() {
        return channels;
    }

    public DriverState state() {
        return state;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant readyAt() {
        return readyAt;
    }

    /** Sessions bound to this driver. */
    public synchronized int sessions() {
        return sessions;
    }

    /** RPCs forwarded to this driver. */
    public long rpcs() {
        return rpcs.sum();
    }

    public long failedForwards() {
        return failedForwards.sum();
    }

    /** True while the driver can serve RPCs of sessions already bound to it. */
    public boolean serving() {
        DriverState s = state;
        return s == DriverState.READY || s == DriverState.EJECTED;
    }

    /** Counts an RPC forwarded on the per-RPC path. */
    public void countRpc() {
        rpcs.increment();
    }

    // --- placement state, guarded by the pool's lock -------------------------------------------------

    void state(DriverState next) {
        if (next == DriverState.READY && readyAt == null) {
            readyAt = Instant.now();
        }
        state = next;
    }

    synchronized int addSession() {
        return ++sessions;
    }

    synchronized int removeSession() {
        if (sessions > 0 && --sessions == 0) {
            idleSinceNanos = System.nanoTime();
        }
        return sessions;
    }

    long idleNanos(long now) {
        return sessions() == 0 ? now - idleSinceNanos : 0;
    }

    boolean ejected(long now) {
        return state == DriverState.EJECTED && now < ejectedUntilNanos;
    }

    /** Records a failed forward; returns true when this failure should eject the driver. */
    boolean recordFailure(int threshold) {
        failedForwards.increment();
        return consecutiveFailures.incrementAndGet() >= threshold && state == DriverState.READY;
    }

    void recordSuccess() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    /** Ejects the driver for a period doubling with each ejection; returns the period in ms. */
    long eject(long baseNanos, long now) {
        long period = baseNanos << Math.min(ejections, 6);
        ejections++;
        ejectedUntilNanos = now + period;
        consecutiveFailures.set(0);
        state = DriverState.EJECTED;
        return TimeUnit.NANOSECONDS.toMillis(period);
    }
}
