package dev.pedregal.gateway.connect;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.jboss.logging.Logger;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.observability.GatewayMetrics;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;

/**
 * The Spark Connect service on port 15002. It serves every method of {@code spark.connect.SparkConnectService}
 * with byte-array marshallers: each call becomes a {@link ForwardedCall} to the driver that owns its session.
 */
@GrpcService
@Singleton
public class FrontDoor implements BindableService {

    private static final Logger LOG = Logger.getLogger(FrontDoor.class);

    private final SessionRouter router;
    private final GatewayMetrics metrics;
    private final Set<ForwardedCall> active = ConcurrentHashMap.newKeySet();
    private final String bootId = Long.toHexString(System.currentTimeMillis() & 0xffffffffL);
    private final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong();
    private final int readAhead;

    public FrontDoor(SessionRouter router, GatewayMetrics metrics, GatewayConfig config) {
        this.router = router;
        this.metrics = metrics;
        this.readAhead = (int) Math.min(Integer.MAX_VALUE, config.connect().readAhead().asLongValue());
    }

    @Override
    public ServerServiceDefinition bindService() {
        ServiceDescriptor spark = SparkConnectServiceGrpc.getServiceDescriptor();
        ServiceDescriptor.Builder service = ServiceDescriptor.newBuilder(ConnectMethod.SERVICE)
                .setSchemaDescriptor(spark.getSchemaDescriptor());
        java.util.List<ServerCallHandler<byte[], byte[]>> handlers = new java.util.ArrayList<>();
        java.util.List<MethodDescriptor<byte[], byte[]>> descriptors = new java.util.ArrayList<>();
        for (MethodDescriptor<?, ?> protocolMethod : spark.getMethods()) {
            ConnectMethod method = ConnectMethod.byRpcName(protocolMethod.getBareMethodName());
            if (method == null) {
                LOG.warnf("Spark Connect method %s has no routing rule; clients calling it get UNIMPLEMENTED",
                        protocolMethod.getFullMethodName());
                continue;
            }
            MethodDescriptor<byte[], byte[]> descriptor = Frames.descriptor(method);
            service.addMethod(descriptor);
            descriptors.add(descriptor);
            handlers.add((call, headers) -> {
                String requestId = headers.get(ConnectHeaders.REQUEST_ID);
                ForwardedCall forwarded = new ForwardedCall(this, method, descriptor, call, headers,
                        Context.current().getDeadline(),
                        dev.pedregal.gateway.observability.RequestIds.plausible(requestId) ? requestId : bootId + "-" + requests.incrementAndGet(),
                        readAhead);
                active.add(forwarded);
                forwarded.start();
                return forwarded;
            });
        }
        ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(service.build());
        for (int i = 0; i < descriptors.size(); i++) {
            definition.addMethod(descriptors.get(i), handlers.get(i));
        }
        return definition.build();
    }

    SessionRouter router() {
        return router;
    }

    void ended(ForwardedCall call, ConnectMethod method, Status.Code code, long startNanos) {
        active.remove(call);
        metrics.rpc(method, code, System.nanoTime() - startNanos);
    }

    /** Calls in flight. */
    public int activeCalls() {
        return active.size();
    }

    /**
     * Lets running calls finish for up to {@code timeout}, then ends the rest with UNAVAILABLE. Blocks; called
     * once at shutdown, after the pool stopped placing new sessions.
     */
    public void drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!active.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!active.isEmpty()) {
            LOG.warnf("Ending %d call(s) still running after %s of draining", active.size(), timeout);
            for (ForwardedCall call : active) {
                call.abort(new GatewayFailure.Draining());
            }
        }
    }
}
