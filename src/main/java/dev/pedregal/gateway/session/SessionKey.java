package dev.pedregal.gateway.session;

/**
 * The affinity key of a Spark Connect session: Spark itself identifies a session by (user id, session id),
 * so two users presenting the same session id are two sessions.
 */
public record SessionKey(String userId, String sessionId) {

    @Override
    public String toString() {
        return userId + "/" + sessionId;
    }
}
