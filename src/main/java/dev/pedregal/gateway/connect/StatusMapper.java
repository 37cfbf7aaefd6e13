package dev.pedregal.gateway.connect;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;

import dev.pedregal.gateway.connect.GatewayFailure.AdmissionUnavailable;
import dev.pedregal.gateway.connect.GatewayFailure.DriverLost;
import dev.pedregal.gateway.connect.GatewayFailure.Draining;
import dev.pedregal.gateway.connect.GatewayFailure.InvalidRequest;
import dev.pedregal.gateway.connect.GatewayFailure.NotFound;
import dev.pedregal.gateway.connect.GatewayFailure.RetryLater;
import dev.pedregal.gateway.session.SessionStoreUnavailable;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/** The single place where failures of the call path become gRPC statuses. */
public final class StatusMapper {

    private StatusMapper() {
    }

    /** The status and trailers a client receives for a failure. */
    public static StatusRuntimeException toStatus(Throwable failure) {
        if (failure instanceof StatusRuntimeException sre) {
            return sre;
        }
        if (failure instanceof InvalidRequest) {
            return Status.INVALID_ARGUMENT.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof NotFound) {
            return Status.NOT_FOUND.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof RetryLater f) {
            // Out of capacity or drivers: RESOURCE_EXHAUSTED. The calendar unreachable: UNAVAILABLE (fail closed).
            com.google.rpc.Code code = f instanceof AdmissionUnavailable ? com.google.rpc.Code.UNAVAILABLE
                    : com.google.rpc.Code.RESOURCE_EXHAUSTED;
            return f.retryAfter() == null
                    ? Status.fromCodeValue(code.getNumber()).withDescription(f.getMessage()).asRuntimeException()
                    : withRetryInfo(code, f.getMessage(), f.retryAfter());
        }
        if (failure instanceof GatewayFailure.Suspended) {
            return Status.FAILED_PRECONDITION.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof DriverLost) {
            // ABORTED: Spark Connect clients do not retry it, and it means "retry at a higher level": a new session.
            return Status.ABORTED.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof GatewayFailure.Unauthenticated) {
            return Status.UNAUTHENTICATED.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof GatewayFailure.PermissionDenied) {
            return Status.PERMISSION_DENIED.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof SessionStoreUnavailable f) {
            // Fail closed, retryable: the store decides which driver holds a session; no guess is made.
            return withRetryInfo(com.google.rpc.Code.UNAVAILABLE, f.getMessage(), f.retryAfter());
        }
        if (failure instanceof Draining) {
            // Retryable on purpose: the client's retry reaches another replica.
            return Status.UNAVAILABLE.withDescription(failure.getMessage()).asRuntimeException();
        }
        return Status.INTERNAL.withDescription("gateway error: " + failure.getClass().getSimpleName())
                .withCause(failure).asRuntimeException();
    }

    /** UNAVAILABLE with {@code google.rpc.RetryInfo}: a dependency is away; the client may retry after the delay. */
    public static StatusRuntimeException unavailable(String message, java.time.Duration retryAfter) {
        return withRetryInfo(com.google.rpc.Code.UNAVAILABLE, message, retryAfter);
    }

    private static StatusRuntimeException withRetryInfo(com.google.rpc.Code code, String message,
            java.time.Duration retryAfter) {
        RetryInfo retry = RetryInfo.newBuilder()
                .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(retryAfter.getSeconds()).setNanos(retryAfter.getNano()))
                .build();
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(code.getNumber())
                .setMessage(message)
                .addDetails(Any.pack(retry))
                .build();
        return StatusProto.toStatusRuntimeException(status, new Metadata());
    }
}
