package dev.pedregal.gateway.jobs.endpoints;

import java.util.List;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;

import dev.pedregal.gateway.connect.StatusMapper;
import dev.pedregal.gateway.jobs.JobFailure;
import dev.pedregal.gateway.provisioning.DatabaseFailures;
import dev.pedregal.gateway.provisioning.ProvisioningFailure;
import dev.pedregal.gateway.provisioning.ProvisioningFailure.FieldError;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * The one place failures of the Jobs service become gRPC statuses: bad specs are INVALID_ARGUMENT with a
 * {@code google.rpc.BadRequest} listing every field violation; another team's (or no) execution is NOT_FOUND; an
 * event the execution cannot take (cancelling a finished one) is FAILED_PRECONDITION. Identity failures map as on
 * the Spark Connect path.
 */
final class JobStatuses {

    private JobStatuses() {
    }

    static StatusRuntimeException toStatus(Throwable failure) {
        if (failure instanceof JobFailure.Invalid invalid) {
            return badRequest(failure.getMessage(), invalid.errors);
        }
        if (failure instanceof ProvisioningFailure.Invalid invalid) {
            return badRequest(failure.getMessage(), invalid.errors);
        }
        if (failure instanceof JobFailure.IllegalTransition) {
            return Status.FAILED_PRECONDITION.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof ProvisioningFailure.NotFound) {
            return Status.NOT_FOUND.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof ProvisioningFailure.Forbidden) {
            return Status.PERMISSION_DENIED.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (DatabaseFailures.unavailable(failure)) {
            return StatusMapper.unavailable("the executions database is unavailable; retry shortly",
                    DatabaseFailures.RETRY_AFTER);
        }
        return StatusMapper.toStatus(failure);
    }

    private static StatusRuntimeException badRequest(String message, List<FieldError> errors) {
        BadRequest.Builder details = BadRequest.newBuilder();
        errors.forEach(e -> details.addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(e.field())
                .setDescription(e.message())));
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(com.google.rpc.Code.INVALID_ARGUMENT.getNumber()).setMessage(message)
                .addDetails(Any.pack(details.build())).build(), new Metadata());
    }
}
