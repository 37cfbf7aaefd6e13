package dev.pedregal.gateway.placement;

import dev.pedregal.gateway.connect.ConnectHeaders;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;

import org.apache.spark.connect.proto.AnalyzePlanRequest;
import org.apache.spark.connect.proto.InterruptRequest;
import org.apache.spark.connect.proto.InterruptResponse;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc.SparkConnectServiceFutureStub;
import org.apache.spark.connect.proto.UserContext;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.smallrye.mutiny.Uni;

/**
 * The gateway's own calls to a driver, outside any client call: the health probe and the interrupt of an
 * operation whose client went away. They carry the pool's secret like forwarded calls do.
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

    /** Interrupts one operation of a session on its driver. */
    public static Uni<InterruptResponse> interrupt(Driver driver, InterruptRequest request) {
        return call(driver, Duration.ofSeconds(10), stub -> stub.interrupt(request));
    }

    private static <T> Uni<T> call(Driver driver, Duration timeout,
            Function<SparkConnectServiceFutureStub, ListenableFuture<T>> rpc) {
        Metadata headers = new Metadata();
        headers.put(ConnectHeaders.AUTHORIZATION, driver.pool().driverAuthorization());
        SparkConnectServiceFutureStub stub = SparkConnectServiceGrpc.newFutureStub(driver.channel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
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
}
