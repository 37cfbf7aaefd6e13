package dev.pedregal.gateway.connect;

import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.SynchronizationContext;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * One client call relayed to a driver. The first request message is read for its routing fields; every
 * message after it, and every response, passes through as bytes.
 *
 * <p>Flow control is end to end with a bounded read-ahead ({@link FlowControl}): the next client message is
 * requested only while the driver's stream holds less than the read-ahead, and the next driver message only
 * while the client's does, so a slow reader never makes the gateway buffer more than that. Deadlines travel
 * upstream; a client cancel cancels the driver call.
 *
 * <p>Threading: events arrive from the client's transport, the driver's transport and the routing stage.
 * All of them run through one {@link SynchronizationContext} per call, so the state below is confined to
 * it without locks.
 */
final class ForwardedCall extends ServerCall.Listener<byte[]> {

    private static final Logger LOG = Logger.getLogger(ForwardedCall.class);

    private final FrontDoor door;
    private final ConnectMethod method;
    private final MethodDescriptor<byte[], byte[]> upstreamMethod;
    private final ServerCall<byte[], byte[]> downstream;
    private final Metadata headers;
    private final Deadline deadline;
    private final long startNanos = System.nanoTime();
    private final String requestId;
    private final SynchronizationContext serial = new SynchronizationContext(this::uncaught);
    private final FlowControl flow;

    private RoutingFields fields;
    private Route route;
    private Cancellable routing;
    private ClientCall<byte[], byte[]> upstream;
    private byte[] first;
    private boolean clientHalfClosed;
    private boolean headersSent;
    private boolean learnOperation;
    private String operationId;
    private boolean done;

    ForwardedCall(FrontDoor door, ConnectMethod method, MethodDescriptor<byte[], byte[]> upstreamMethod,
            ServerCall<byte[], byte[]> downstream, Metadata headers, Deadline deadline, String requestId,
            int readAhead) {
        this.requestId = requestId;
        this.door = door;
        this.method = method;
        this.upstreamMethod = upstreamMethod;
        this.downstream = downstream;
        this.headers = headers;
        this.deadline = deadline;
        this.flow = new FlowControl(downstream, readAhead);
    }

    void start() {
        downstream.request(1);
    }

    // --- client side --------------------------------------------------------------------------------------

    @Override
    public void onMessage(byte[] message) {
        serial.execute(() -> clientMessage(message));
    }

    @Override
    public void onHalfClose() {
        serial.execute(() -> {
            clientHalfClosed = true;
            if (upstream != null) {
                upstream.halfClose();
            }
        });
    }

    @Override
    public void onCancel() {
        serial.execute(() -> {
            if (done) {
                return;
            }
            done = true;
            if (routing != null) {
                routing.cancel();
            }
            if (upstream != null) {
                upstream.cancel("the client cancelled the call", null);
                if (method == ConnectMethod.EXECUTE_PLAN && !fields.reattachable() && operationId != null) {
                    // Spark keeps running a non-reattachable execution whose stream was cancelled: stop it.
                    door.router().interrupt(route, operationId);
                }
            }
            door.ended(this, method, Status.Code.CANCELLED, startNanos);
        });
    }

    @Override
    public void onReady() {
        serial.execute(() -> {
            if (!done) {
                flow.clientReady();
            }
        });
    }

    private void clientMessage(byte[] message) {
        if (done) {
            return;
        }
        if (message == Frames.OVERSIZED) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription("the " + method.rpcName()
                    + " request exceeds the gateway's message size limit once decompressed").asRuntimeException());
            return;
        }
        if (fields != null) {
            upstream.sendMessage(method == ConnectMethod.ADD_ARTIFACTS ? stampedStreamMessage(message) : message);
            flow.sentToDriver();
            return;
        }
        try {
            fields = RoutingFieldReader.read(method, message);
        } catch (InvalidProtocolBufferException e) {
            fail(new GatewayFailure.InvalidRequest("malformed " + method.rpcName() + " request: " + e.getMessage()));
            return;
        }
        first = message;
        operationId = fields.operationId() == null || fields.operationId().isEmpty() ? null : fields.operationId();
        routing = door.router().route(method, fields, headers, downstream.getAuthority(), requestId).subscribe().with(
                r -> serial.execute(() -> routed(r)),
                t -> serial.execute(() -> fail(t)));
    }

    private void routed(Route resolved) {
        if (done) {
            return;
        }
        route = resolved;
        if (resolved.localReply() != null) {
            downstream.sendHeaders(new Metadata());
            downstream.sendMessage(resolved.localReply());
            close(Status.OK, new Metadata());
            return;
        }
        if (resolved.stampedUserId() != null) {
            try {
                first = UserStamp.stamp(first, fields, resolved.stampedUserId());
            } catch (java.io.IOException e) {
                fail(new GatewayFailure.InvalidRequest("malformed user_context in " + method.rpcName() + " request"));
                return;
            }
        }
        // The client's credentials end here; the driver gets its pool's secret instead.
        headers.discardAll(ConnectHeaders.AUTHORIZATION);
        headers.put(ConnectHeaders.AUTHORIZATION, resolved.driver().pool().driverAuthorization());
        CallOptions options = flow.driverOptions(CallOptions.DEFAULT.withExecutor(serial));
        if (deadline != null) {
            options = options.withDeadline(deadline);
        }
        learnOperation = method == ConnectMethod.EXECUTE_PLAN && operationId == null;
        // The driver call is tied to this call explicitly (deadline above, cancel in onCancel), not through
        // whatever gRPC context the thread running this happens to carry.
        Context previous = Context.ROOT.attach();
        try {
            upstream = resolved.driver().channel().newCall(upstreamMethod, options);
            upstream.start(new DriverListener(), headers);
        } finally {
            Context.ROOT.detach(previous);
        }
        flow.driverStarted(upstream);
        upstream.sendMessage(first);
        first = null;
        if (clientHalfClosed) {
            upstream.halfClose();
        } else {
            flow.sentToDriver();
        }
    }

    /** Later messages of a client stream carry a user context too: stamp each. */
    private byte[] stampedStreamMessage(byte[] message) {
        if (route.stampedUserId() == null) {
            return message;
        }
        try {
            return UserStamp.stamp(message, RoutingFieldReader.read(method, message), route.stampedUserId());
        } catch (java.io.IOException e) {
            return message; // malformed: the driver rejects it itself
        }
    }

    // --- driver side --------------------------------------------------------------------------------------

    private final class DriverListener extends ClientCall.Listener<byte[]> {
        @Override
        public void onHeaders(Metadata responseHeaders) {
            if (!done) {
                headersSent = true;
                downstream.sendHeaders(responseHeaders);
            }
        }

        @Override
        public void onMessage(byte[] message) {
            if (done) {
                return;
            }
            if (learnOperation) {
                learnOperation = false;
                operationId = RoutingFieldReader.operationIdOfResponse(message);
                if (operationId != null) {
                    door.router().operationStarted(route, operationId);
                }
            }
            if (!headersSent) {
                headersSent = true;
                downstream.sendHeaders(new Metadata());
            }
            if (method == ConnectMethod.CONFIG) {
                byte[] redacted = SecretRedaction.redact(message, route.driver().pool().driverSecret());
                if (redacted != message) {
                    door.router().secretRequested(requestId, route);
                }
                message = redacted;
            }
            downstream.sendMessage(message);
            flow.sentToClient();
        }

        @Override
        public void onReady() {
            if (!done) {
                flow.driverReady();
            }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            if (done) {
                return;
            }
            if (brokenTransport(status)) {
                door.router().upstreamBroken(route, status.asRuntimeException(trailers)).subscribe().with(
                        failure -> serial.execute(() -> fail(failure)),
                        failure -> serial.execute(() -> fail(failure)));
                return;
            }
            door.router().finished(method, fields, route, status.getCode());
            close(status, trailers);
        }
    }

    /** True when the status came from the connection to the driver breaking rather than from the driver. */
    private static boolean brokenTransport(Status status) {
        Status.Code code = status.getCode();
        return code == Status.Code.UNAVAILABLE
                || (status.getCause() != null && (code == Status.Code.INTERNAL || code == Status.Code.UNKNOWN));
    }

    // --- endings -----------------------------------------------------------------------------------------

    /** Ends the call with the status a failure maps to. Safe to call from any thread. */
    void abort(Throwable failure) {
        serial.execute(() -> fail(failure));
    }

    private void fail(Throwable failure) {
        if (done) {
            return;
        }
        if (upstream != null) {
            upstream.cancel("the gateway ended the call", null);
        }
        if (failure instanceof GatewayFailure.Refusal refusal) {
            door.router().refused(requestId, method, fields, headers, refusal);
        }
        StatusRuntimeException status = StatusMapper.toStatus(failure);
        if (status.getStatus().getCode() == Status.Code.INTERNAL) {
            LOG.errorf(failure, "%s failed in the gateway", method.rpcName());
        }
        Metadata trailers = status.getTrailers() != null ? status.getTrailers() : new Metadata();
        close(status.getStatus(), trailers);
    }

    private void close(Status status, Metadata trailers) {
        done = true;
        downstream.close(status, trailers);
        door.ended(this, method, status.getCode(), startNanos);
    }

    private void uncaught(Thread thread, Throwable t) {
        LOG.errorf(t, "Unexpected error relaying %s", method.rpcName());
        if (!done) {
            done = true;
            try {
                downstream.close(Status.INTERNAL.withDescription("gateway error relaying the call"), new Metadata());
            } catch (RuntimeException ignored) {
                // the call is already closed
            }
            if (upstream != null) {
                upstream.cancel("gateway error", t);
            }
            door.ended(this, method, Status.Code.INTERNAL, startNanos);
        }
    }
}
