package dev.pedregal.gateway.session;

import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** A session pinned to the driver that holds its state. A binding never moves to another driver. */
public final class SessionBinding {

    private final SessionKey key;
    private final String driverId;
    private final Instant createdAt = Instant.now();
    private final LongAdder rpcs = new LongAdder();
    private final Set<String> operations = ConcurrentHashMap.newKeySet();
    private volatile long lastUsedMillis = System.currentTimeMillis();
    private volatile String lostReason;
    /** True when this process placed the session, so it holds the driver slot (shared store only). */
    private final boolean placedHere;
    /** When the shared store last confirmed (and, if used since, extended) this binding. */
    private volatile long syncedAtMillis;
    /**
     * Set by every RPC, cleared when the shared store's copy is extended. A flag rather than comparing
     * timestamps: an RPC in the same millisecond as a refresh must still count as use.
     */
    private volatile boolean usedSinceSync;

    public SessionBinding(SessionKey key, String driverId) {
        this(key, driverId, true);
    }

    SessionBinding(SessionKey key, String driverId, boolean placedHere) {
        this.key = key;
        this.driverId = driverId;
        this.placedHere = placedHere;
        this.syncedAtMillis = System.currentTimeMillis();
    }

    public SessionKey key() {
        return key;
    }

    public String driverId() {
        return driverId;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public long rpcs() {
        return rpcs.sum();
    }

    public Instant lastUsed() {
        return Instant.ofEpochMilli(lastUsedMillis);
    }

    /** Operation ids started in this session that the gateway still tracks. */
    public Set<String> operations() {
        return operations;
    }

    /** Why the session's driver was lost; null while the session is alive. */
    public String lostReason() {
        return lostReason;
    }

    public boolean lost() {
        return lostReason != null;
    }

    /** Counts an RPC of this session. */
    public void touch() {
        rpcs.increment();
        lastUsedMillis = System.currentTimeMillis();
        if (!usedSinceSync) {
            usedSinceSync = true;
        }
    }

    /** True when this process placed the session and holds its slot on the driver. */
    public boolean placedHere() {
        return placedHere;
    }

    long syncedAtMillis() {
        return syncedAtMillis;
    }

    long lastUsedMillis() {
        return lastUsedMillis;
    }

    void synced(long now) {
        syncedAtMillis = now;
    }

    /** Whether the session was used since the last refresh, clearing the mark: the caller refreshes it. */
    boolean takeUse() {
        if (!usedSinceSync) {
            return false;
        }
        usedSinceSync = false;
        return true;
    }

    /** Puts back a use {@link #takeUse} took when the refresh it was for did not happen. */
    void keepUse() {
        usedSinceSync = true;
    }

    void markLost(String reason) {
        lostReason = reason;
        operations.clear();
    }
}
