package dev.pedregal.gateway.jobs.endpoints;

import java.util.function.Function;

import dev.pedregal.gateway.connect.ConnectHeaders;
import dev.pedregal.gateway.identity.Authenticator;
import dev.pedregal.gateway.identity.Caller;
import dev.pedregal.gateway.jobs.api.CancelRequest;
import dev.pedregal.gateway.jobs.api.CheckRequest;
import dev.pedregal.gateway.jobs.api.ExecutionState;
import dev.pedregal.gateway.jobs.api.Jobs;
import dev.pedregal.gateway.jobs.api.SubmitRequest;
import dev.pedregal.gateway.jobs.api.SubmitResponse;
import dev.pedregal.gateway.jobs.api.WatchRequest;
import dev.pedregal.gateway.jobs.executions.JobService;
import dev.pedregal.gateway.provisioning.RestCallers;
import io.grpc.Metadata;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.RegisterInterceptor;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * {@code pedregal.spark.v1.Jobs} on the gRPC server of the Spark Connect front door (:15002). The front door
 * registers only {@code spark.connect.SparkConnectService}'s methods (no fallback handler), so both services are
 * served side by side. Callers authenticate with the same bearer tokens; with identity off (loopback development)
 * the caller is a local platform admin, as on the REST API.
 */
@GrpcService
@RegisterInterceptor(JobCallHeaders.class)
public class JobsEndpoint implements Jobs {

    private final JobService jobs;
    private final Authenticator authenticator;

    public JobsEndpoint(JobService jobs, Authenticator authenticator) {
        this.jobs = jobs;
        this.authenticator = authenticator;
    }

    @Override
    public Uni<SubmitResponse> submit(SubmitRequest request) {
        String requestId = requestId();
        return caller().flatMap(caller -> jobs.submit(JobMessages.spec(request.getSpec()),
                request.getIdempotencyKey(), caller, requestId))
                .map(s -> SubmitResponse.newBuilder().setExecutionId(s.execution().id().toString())
                        .setVendorRunId(s.execution().vendorRunId()).setState(JobMessages.jobState(s.execution().state()))
                        .addAllWarnings(s.warnings()).build())
                .onFailure().transform(JobStatuses::toStatus);
    }

    @Override
    public Uni<ExecutionState> check(CheckRequest request) {
        String requestId = requestId();
        return unary(caller -> jobs.check(request.getExecutionId(), caller, requestId));
    }

    @Override
    public Uni<ExecutionState> cancel(CancelRequest request) {
        String requestId = requestId();
        return unary(caller -> jobs.cancel(request.getExecutionId(), request.getReason(), caller, requestId));
    }

    @Override
    public Multi<ExecutionState> watch(WatchRequest request) {
        String requestId = requestId();
        return caller().onItem().transformToMulti(caller -> jobs.watch(request.getExecutionId(), caller, requestId))
                .map(JobMessages::state).onFailure().transform(JobStatuses::toStatus);
    }

    private Uni<ExecutionState> unary(
            Function<Caller, Uni<dev.pedregal.gateway.jobs.executions.ExecutionView>> operation) {
        return caller().flatMap(operation::apply).map(JobMessages::state).onFailure().transform(JobStatuses::toStatus);
    }

    private Uni<Caller> caller() {
        if (!authenticator.enabled()) {
            return Uni.createFrom().item(RestCallers.LOCAL_ADMIN);
        }
        Metadata headers = JobCallHeaders.HEADERS.get();
        return headers == null ? Uni.createFrom().failure(new IllegalStateException("no call metadata"))
                : authenticator.authenticate(headers);
    }

    private static String requestId() {
        Metadata headers = JobCallHeaders.HEADERS.get();
        return RestCallers.requestId(headers == null ? null : headers.get(ConnectHeaders.REQUEST_ID));
    }
}
