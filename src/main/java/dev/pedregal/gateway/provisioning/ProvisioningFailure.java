package dev.pedregal.gateway.provisioning;

import java.time.Duration;
import java.util.List;

/** Why a control-plane request was refused. {@link Problems} is the one place these become HTTP responses. */
public abstract sealed class ProvisioningFailure extends RuntimeException {

    ProvisioningFailure(String message) {
        super(message, null, false, false);
    }

    /** A field-level problem with the request: 400. */
    public static final class Invalid extends ProvisioningFailure {
        public final List<FieldError> errors;

        public Invalid(String field, String message) {
            this(List.of(new FieldError(field, message)));
        }

        public Invalid(List<FieldError> errors) {
            super(errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                    : errors.size() + " fields are invalid");
            this.errors = List.copyOf(errors);
        }
    }

    public record FieldError(String field, String message) {
    }

    /** Absent, or not the caller's to see: 404 either way, so existence never leaks. */
    public static final class NotFound extends ProvisioningFailure {
        public NotFound(String message) {
            super(message);
        }
    }

    /** The caller may see the thing but not do this to it: 403. */
    public static final class Forbidden extends ProvisioningFailure {
        public Forbidden(String message) {
            super(message);
        }
    }

    /** The request conflicts with the current state (duplicate name, cluster being deleted): 409. */
    public static final class Conflict extends ProvisioningFailure {
        public Conflict(String message) {
            super(message);
        }
    }

    /** The team would exceed a quota: 409, naming the quota, its limit, what is used and what was asked. */
    public static final class QuotaExceeded extends ProvisioningFailure {
        public final String quota;
        public final long limit;
        public final long used;
        public final long requested;

        public QuotaExceeded(String team, String quota, long limit, long used, long requested) {
            super("team '" + team + "' would exceed its " + quota + " quota: limit " + limit + ", in use " + used
                    + ", requested " + requested);
            this.quota = quota;
            this.limit = limit;
            this.used = used;
            this.requested = requested;
        }
    }

    /**
     * The capacity pool has no room for the cluster (or the team is suspended): 429 with Retry-After when it would
     * fit later within the wait budget, 409 otherwise; the message names team, pool, slice and shortfall.
     */
    public static final class CapacityShort extends ProvisioningFailure {
        public final Duration retryAfter;

        public CapacityShort(String message, Duration retryAfter) {
            super(message);
            this.retryAfter = retryAfter;
        }
    }

    /** A dependency (database, Kubernetes API) is unavailable; retry after the given time: 503. */
    public static final class Unavailable extends ProvisioningFailure {
        public final Duration retryAfter;

        public Unavailable(String message, Duration retryAfter) {
            super(message);
            this.retryAfter = retryAfter;
        }
    }
}
