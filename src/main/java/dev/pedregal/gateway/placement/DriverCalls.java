package dev.pedregal.gateway.placement;

import dev.pedregal.gateway.connect.ConnectHeaders;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;

import org.apache.spark.connect.proto.AnalyzePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.ReleaseSessionRequest;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.InterruptRequest;
import org.apache.spark.connect.proto.InterruptResponse;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc.SparkConnectServiceFutureStub;
import org.apache.spark.connect.proto.UserContext;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.smallrye.mutiny.Uni;

/**
 * The gateway's own calls to a driver, outside any client call: the health probe, the warm-up query of a new
 * driver and the interrupt of an operation whose client went away. They carry the pool's secret like forwarded
 * calls do.
 */
public final class DriverCalls {

    static final String PROBE_USER = "pedregal-probe";

    private DriverCalls() {
    }

    /**
     * The active health check: a cheap real RPC (AnalyzePlan asking for the Spark version) under a probe
     * session of the driver's own. Answers the Spark version, or fails.
     */
    static Uni<String> sparkVersion(Driver driver, Duration timeout) {
        AnalyzePlanRequest request = AnalyzePlanRequest.newBuilder()
                .setSessionId(UUID.nameUUIDFromBytes(("probe/" + driver.id()).getBytes()).toString())
                .setUserContext(UserContext.newBuilder().setUserId(PROBE_USER))
                .setClientType("pedregal-gateway-probe")
                .setSparkVersion(AnalyzePlanRequest.SparkVersion.getDefaultInstance())
                .build();
        return call(driver, timeout, stub -> stub.analyzePlan(request)).map(r -> r.getSparkVersion().getVersion());
    }

    /**
     * Runs {@code sql} to completion under a warm-up session of the driver's own, then releases that session.
     * Answers how many responses the driver streamed, or fails (including on the deadline).
     */
    static Uni<Integer> warmUp(Driver driver, String sql, Duration timeout) {
        String session = UUID.nameUUIDFromBytes(("warm-up/" + driver.id()).getBytes()).toString();
        UserContext user = UserContext.newBuilder().setUserId(PROBE_USER).build();
        ExecutePlanRequest request = ExecutePlanRequest.newBuilder()
                .setSessionId(session)
                .setUserContext(user)
                .setClientType("pedregal-gateway-warm-up")
                .setPlan(Plan.newBuilder().setRoot(Relation.newBuilder().setSql(SQL.newBuilder().setQuery(sql))))
                .build();
        ReleaseSessionRequest release = ReleaseSessionRequest.newBuilder().setSessionId(session).setUserContext(user)
                .build();
        return Uni.createFrom().<Integer> emitter(emitter -> {
            AtomicInteger responses = new AtomicInteger();
            Context previous = Context.ROOT.attach();
            try {
                SparkConnectServiceGrpc.newStub(driver.channel())
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(driverHeaders(driver)))
                        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .executePlan(request, new StreamObserver<ExecutePlanResponse>() {
                            @Override
                            public void onNext(ExecutePlanResponse response) {
                                responses.incrementAndGet();
                            }

                            @Override
                            public void onError(Throwable t) {
                                emitter.fail(t);
                            }

                            @Override
                            public void onCompleted() {
                                emitter.complete(responses.get());
                            }
                        });
            } finally {
                Context.ROOT.detach(previous);
            }
        }).call(count -> call(driver, timeout, stub -> stub.releaseSession(release)).onFailure().recoverWithNull());
    }

    /** Interrupts one operation of a session on its driver. */
    public static Uni<InterruptResponse> interrupt(Driver driver, InterruptRequest request) {
        return call(driver, Duration.ofSeconds(10), stub -> stub.interrupt(request));
    }

    private static <T> Uni<T> call(Driver driver, Duration timeout,
            Function<SparkConnectServiceFutureStub, ListenableFuture<T>> rpc) {
        SparkConnectServiceFutureStub stub = SparkConnectServiceGrpc.newFutureStub(driver.channel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(driverHeaders(driver)))
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return Uni.createFrom().emitter(emitter -> {
            // Not under any client's gRPC context: started there, the call would die with that client's call.
            Context previous = Context.ROOT.attach();
            ListenableFuture<T> future;
            try {
                future = rpc.apply(stub);
            } finally {
                Context.ROOT.detach(previous);
            }
            Futures.addCallback(future, new FutureCallback<T>() {
                @Override
                public void onSuccess(T response) {
                    emitter.complete(response);
                }

                @Override
                public void onFailure(Throwable t) {
                    emitter.fail(t);
                }
            }, MoreExecutors.directExecutor());
        });
    }

    private static Metadata driverHeaders(Driver driver) {
        Metadata headers = new Metadata();
        headers.put(ConnectHeaders.AUTHORIZATION, driver.pool().driverAuthorization());
        return headers;
    }
}
