package dev.pedregal.gateway.session;

import dev.pedregal.gateway.placement.PoolKey;

/**
 * The affinity key of a Spark Connect session. Spark identifies a session by (user id, session id); the
 * gateway adds the pool (team, environment), so the same session id of two teams or two users is two
 * sessions, and a user can never reach another user's session by guessing its id.
 */
public record SessionKey(PoolKey pool, String userId, String sessionId) {

    @Override
    public String toString() {
        return pool + "/" + userId + "/" + sessionId;
    }
}
