package dev.pedregal.gateway.session;

import java.time.Duration;

/**
 * The shared session store cannot answer (Redis down or slow). Sessions already bound in this process keep
 * routing from its cache; a session it does not hold fails closed, with a retry hint, rather than being placed
 * on a guess (another replica may hold it on another driver).
 */
public final class SessionStoreUnavailable extends RuntimeException {

    private final Duration retryAfter;

    public SessionStoreUnavailable(String reason, Duration retryAfter, Throwable cause) {
        super("the session store is unavailable (" + reason + "): retry shortly", cause, false, false);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
