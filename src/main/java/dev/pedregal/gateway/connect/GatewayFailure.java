package dev.pedregal.gateway.connect;

import java.time.Duration;

/**
 * A failure a stage of the call path knows the reason for. {@link StatusMapper} is the one place that turns
 * these into gRPC statuses. No stack traces: these are expected outcomes, not bugs.
 */
public abstract sealed class GatewayFailure extends RuntimeException {

    protected GatewayFailure(String message) {
        super(message, null, false, false);
    }

    /** The request is malformed (bad protobuf, a session id that is not a UUID, ...). */
    public static final class InvalidRequest extends GatewayFailure {
        public InvalidRequest(String message) {
            super(message);
        }
    }

    /** The session or operation the RPC continues is unknown to the gateway. */
    public static final class NotFound extends GatewayFailure {
        public NotFound(String message) {
            super(message);
        }
    }

    /**
     * A refusal the client may retry after {@link #retryAfter()}: clients that see a retry delay (pyspark, for any
     * status carrying {@code google.rpc.RetryInfo}) wait and try again on their own.
     */
    public abstract static sealed class RetryLater extends GatewayFailure
            permits NoDriverAvailable, CapacityExhausted, RateLimited, AdmissionUnavailable {
        private final Duration retryAfter;

        RetryLater(String message, Duration retryAfter) {
            super(message);
            this.retryAfter = retryAfter;
        }

        /** Null when waiting would not help (the client must change something). */
        public Duration retryAfter() {
            return retryAfter;
        }
    }

    /** No driver could take a new session within the wait budget. */
    public static final class NoDriverAvailable extends RetryLater {
        public NoDriverAvailable(String message, Duration retryAfter) {
            super(message, retryAfter);
        }
    }

    /**
     * The team's capacity does not allow the session now. With a retry delay when it would fit within the wait
     * budget (the client may wait), without one when it would not.
     */
    public static final class CapacityExhausted extends RetryLater {
        public CapacityExhausted(String message, Duration retryAfter) {
            super(message, retryAfter);
        }
    }

    /** The caller opened sessions faster than its rate limit allows. */
    public static final class RateLimited extends RetryLater {
        public RateLimited(String message, Duration retryAfter) {
            super(message, retryAfter);
        }
    }

    /** The capacity calendar cannot be reached: new sessions are refused (fail closed) until it is back. */
    public static final class AdmissionUnavailable extends RetryLater {
        public AdmissionUnavailable(String message, Duration retryAfter) {
            super(message, retryAfter);
        }
    }

    /** The team may not start new work (its budget is used up); running sessions continue. */
    public static final class Suspended extends GatewayFailure {
        public Suspended(String message) {
            super(message);
        }
    }

    /** The driver that held the session's state is gone; the session cannot continue. */
    public static final class DriverLost extends GatewayFailure {
        public DriverLost(String sessionId, String driverId, String reason) {
            super("SESSION_DRIVER_LOST: the Spark driver " + driverId + " serving session " + sessionId
                    + " was lost (" + reason + "). The session's state (temp views, cached data, running"
                    + " queries) is gone: create a new SparkSession.");
        }
    }

    /** A call refused for who is calling; {@link #reason()} is the fixed reason the audit records. */
    public abstract static sealed class Refusal extends GatewayFailure {
        private final String reason;
        private final String userId;

        Refusal(String reason, String userId, String message) {
            super(message);
            this.reason = reason;
            this.userId = userId;
        }

        public String reason() {
            return reason;
        }

        /** The verified user when authentication succeeded, else null. */
        public String userId() {
            return userId;
        }
    }

    /** The caller could not be authenticated. */
    public static final class Unauthenticated extends Refusal {
        public Unauthenticated(String reason, String message) {
            super(reason, null, message);
        }
    }

    /** The caller is authenticated but may not reach what it asked for. */
    public static final class PermissionDenied extends Refusal {
        public PermissionDenied(String reason, String userId, String message) {
            super(reason, userId, message);
        }
    }

    /** The gateway is shutting down and takes no new sessions. */
    public static final class Draining extends GatewayFailure {
        public Draining() {
            super("the gateway is shutting down and takes no new sessions; retry to reach another replica");
        }
    }
}
