package dev.pedregal.gateway.support;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ConfigResponse;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.KeyValue;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.apache.spark.connect.proto.UserContext;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;

/** A plain Spark Connect gRPC client for component tests: generated stubs, plus raw bytes for bad input. */
public final class ConnectClient implements AutoCloseable {

    public static final int PORT = 15002;

    private final ManagedChannel channel;

    public ConnectClient() {
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", PORT).usePlaintext()
                .maxInboundMessageSize(256 * 1024 * 1024).build();
    }

    public ManagedChannel channel() {
        return channel;
    }

    public SparkConnectServiceGrpc.SparkConnectServiceBlockingStub stub() {
        return SparkConnectServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** The stub, sending {@code authorization: Bearer <token>} (none when null) and extra metadata. */
    public SparkConnectServiceGrpc.SparkConnectServiceBlockingStub authorized(String token, java.util.Map<String, String> extra) {
        Metadata md = new Metadata();
        if (token != null) {
            md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        }
        extra.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
        return stub().withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
    }

    /** Config getAll in a new session, as the holder of a token. */
    public org.apache.spark.connect.proto.ConfigResponse getAllAs(String token, String user) {
        return authorized(token, java.util.Map.of()).config(ConfigRequest.newBuilder().setSessionId(newSession())
                .setUserContext(user(user))
                .setOperation(ConfigRequest.Operation.newBuilder().setGetAll(ConfigRequest.GetAll.getDefaultInstance()))
                .build());
    }

    public static String newSession() {
        return UUID.randomUUID().toString();
    }

    public static UserContext user(String id) {
        return UserContext.newBuilder().setUserId(id).build();
    }

    /** Sets a Spark conf in a session (Config SET). */
    public ConfigResponse set(String user, String session, String key, String value) {
        return stub().config(ConfigRequest.newBuilder().setSessionId(session).setUserContext(user(user))
                .setOperation(ConfigRequest.Operation.newBuilder()
                        .setSet(ConfigRequest.Set.newBuilder().addPairs(KeyValue.newBuilder().setKey(key).setValue(value))))
                .build());
    }

    /** Reads a Spark conf of a session (Config GET). */
    public String get(String user, String session, String key) {
        return stub().config(ConfigRequest.newBuilder().setSessionId(session).setUserContext(user(user))
                .setOperation(ConfigRequest.Operation.newBuilder()
                        .setGet(ConfigRequest.Get.newBuilder().addKeys(key)))
                .build()).getPairs(0).getValue();
    }

    public static ExecutePlanRequest sql(String user, String session, String query) {
        return ExecutePlanRequest.newBuilder().setSessionId(session).setUserContext(user(user))
                .setOperationId(UUID.randomUUID().toString())
                .setPlan(Plan.newBuilder().setRoot(Relation.newBuilder().setSql(SQL.newBuilder().setQuery(query))))
                .build();
    }

    /** Sends raw bytes as the request of a unary method and returns the raw response. */
    public byte[] rawUnary(String fullMethodName, byte[] request) {
        return rawUnary(fullMethodName, request, new Metadata());
    }

    /** Like {@link #rawUnary} with extra request metadata. */
    public byte[] rawUnary(String fullMethodName, byte[] request, Metadata headers) {
        return rawUnary(fullMethodName, request, headers, CallOptions.DEFAULT);
    }

    /** Like {@link #rawUnary} with the message compressed as the client would (grpc-encoding: gzip). */
    public byte[] rawUnaryGzipped(String fullMethodName, byte[] request) {
        return rawUnary(fullMethodName, request, new Metadata(), CallOptions.DEFAULT.withCompression("gzip"));
    }

    private byte[] rawUnary(String fullMethodName, byte[] request, Metadata headers, CallOptions options) {
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]> newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(fullMethodName)
                .setRequestMarshaller(Bytes.INSTANCE).setResponseMarshaller(Bytes.INSTANCE).build();
        io.grpc.Channel intercepted = io.grpc.ClientInterceptors.intercept(channel,
                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
        return ClientCalls.blockingUnaryCall(intercepted, method, options.withDeadlineAfter(60, TimeUnit.SECONDS), request);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public java.io.InputStream stream(byte[] value) {
            return new java.io.ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(java.io.InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
