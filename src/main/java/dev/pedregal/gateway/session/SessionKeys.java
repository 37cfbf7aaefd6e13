package dev.pedregal.gateway.session;

import dev.pedregal.gateway.placement.PoolKey;

/**
 * Redis key names of the shared session store. Every key of a team carries the team as its hash tag, so a
 * team's keys live in one Redis Cluster slot and teams spread across slots.
 */
public final class SessionKeys {

    private SessionKeys() {
    }

    /** A session's binding (or tombstone). */
    static String session(SessionKey key) {
        return prefix(key.pool()) + "session:" + scope(key.pool()) + ":" + key.userId() + ":" + key.sessionId();
    }

    /** The session an operation belongs to; operation ids are scoped by pool and user, like sessions. */
    static String operation(SessionKey key, String operationId) {
        return prefix(key.pool()) + "op:" + scope(key.pool()) + ":" + key.userId() + ":" + operationId;
    }

    /** The pool's driver registry: a hash of driver id to endpoint, state, owner replica and heartbeat. */
    public static String drivers(PoolKey pool) {
        return prefix(pool) + "drivers:" + scope(pool);
    }

    private static String prefix(PoolKey pool) {
        return "pedregal:{" + pool.team() + "}:";
    }

    private static String scope(PoolKey pool) {
        return pool.environment() + "/" + pool.cluster();
    }
}
