package dev.pedregal.gateway.provisioning;

import java.time.Duration;

import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;

/**
 * Which failures mean "the control-plane database (PostgreSQL) is down, failing over or refusing": the write did
 * not happen and the caller may retry. REST answers them 503 ({@link Problems}), gRPC UNAVAILABLE with RetryInfo.
 */
public final class DatabaseFailures {

    /** The retry hint given with them: long enough for a restart or a failover to finish. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private DatabaseFailures() {
    }

    /** True for the reactive client's connection failures and the server's refusals, also when wrapped. */
    public static boolean unavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException || t instanceof java.net.ConnectException || t instanceof NoStackTraceThrowable) {
                return true;
            }
        }
        return false;
    }
}
