package dev.pedregal.gateway.placement;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;

import org.apache.spark.connect.proto.AnalyzePlanRequest;
import org.apache.spark.connect.proto.AnalyzePlanResponse;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.apache.spark.connect.proto.UserContext;

import io.grpc.Context;
import io.smallrye.mutiny.Uni;

/**
 * The active health check: a cheap real RPC (AnalyzePlan asking for the Spark version) on the driver's own
 * channel, under a probe session of its own. Answers the Spark version, or fails.
 */
final class DriverProbe {

    static final String PROBE_USER = "pedregal-probe";

    private DriverProbe() {
    }

    static Uni<String> sparkVersion(Driver driver, Duration timeout) {
        AnalyzePlanRequest request = AnalyzePlanRequest.newBuilder()
                .setSessionId(probeSession(driver))
                .setUserContext(UserContext.newBuilder().setUserId(PROBE_USER))
                .setClientType("pedregal-gateway-probe")
                .setSparkVersion(AnalyzePlanRequest.SparkVersion.getDefaultInstance())
                .build();
        // Probes belong to no client call: started under a client's gRPC context they would die with it.
        return Uni.createFrom().emitter(emitter -> Futures.addCallback(
                inRootContext(() -> SparkConnectServiceGrpc.newFutureStub(driver.channel())
                        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .analyzePlan(request)),
                new FutureCallback<AnalyzePlanResponse>() {
                    @Override
                    public void onSuccess(AnalyzePlanResponse response) {
                        emitter.complete(response.getSparkVersion().getVersion());
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        emitter.fail(t);
                    }
                }, MoreExecutors.directExecutor()));
    }

    private static <T> T inRootContext(java.util.function.Supplier<T> call) {
        Context previous = Context.ROOT.attach();
        try {
            return call.get();
        } finally {
            Context.ROOT.detach(previous);
        }
    }

    private static String probeSession(Driver driver) {
        return UUID.nameUUIDFromBytes(("probe/" + driver.id()).getBytes()).toString();
    }
}
