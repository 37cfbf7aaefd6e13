package dev.pedregal.bench;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import com.google.protobuf.ByteString;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.apache.spark.connect.proto.AnalyzePlanRequest;
import org.apache.spark.connect.proto.AnalyzePlanResponse;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ConfigResponse;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.InterruptRequest;
import org.apache.spark.connect.proto.InterruptResponse;
import org.apache.spark.connect.proto.KeyValue;
import org.apache.spark.connect.proto.ReattachExecuteRequest;
import org.apache.spark.connect.proto.ReleaseExecuteRequest;
import org.apache.spark.connect.proto.ReleaseExecuteResponse;
import org.apache.spark.connect.proto.ReleaseSessionRequest;
import org.apache.spark.connect.proto.ReleaseSessionResponse;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;

/**
 * A Spark Connect server that does no work, so that what a proxy in front of it adds is what gets measured.
 * Config and AnalyzePlan answer at once; ExecutePlan streams Arrow-batch-shaped responses whose size and count
 * the query text asks for ({@code bench-stream <chunk bytes> <count>}, see {@link StreamLoad}) — the payload is
 * not valid Arrow — honouring the client's flow control, so nothing is buffered.
 *
 * <p>Usage: {@code FakeSparkConnect <port> [<port>...]} — one server per port, all in this process.
 */
public final class FakeSparkConnect extends SparkConnectServiceGrpc.SparkConnectServiceImplBase {

    static final String VERSION = "4.0.1-fake";
    private static final String SERVER_SESSION = "fake-server-session";

    public static void main(String[] args) throws Exception {
        NioEventLoopGroup loop = new NioEventLoopGroup(1);
        List<Server> servers = new ArrayList<>();
        for (String port : args) {
            servers.add(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(port)))
                    .bossEventLoopGroup(loop)
                    .workerEventLoopGroup(loop)
                    .channelType(NioServerSocketChannel.class)
                    .directExecutor()
                    .maxInboundMessageSize(128 << 20)
                    .addService(new FakeSparkConnect())
                    .build()
                    .start());
        }
        System.out.println("fake Spark Connect listening on 127.0.0.1:" + String.join(",", args));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.forEach(Server::shutdownNow)));
        for (Server server : servers) {
            server.awaitTermination();
        }
    }

    @Override
    public void config(ConfigRequest request, StreamObserver<ConfigResponse> response) {
        ConfigResponse.Builder answer = ConfigResponse.newBuilder()
                .setSessionId(request.getSessionId())
                .setServerSideSessionId(SERVER_SESSION);
        if (request.getOperation().hasGet()) {
            request.getOperation().getGet().getKeysList()
                    .forEach(key -> answer.addPairs(KeyValue.newBuilder().setKey(key).setValue("200")));
        }
        response.onNext(answer.build());
        response.onCompleted();
    }

    @Override
    public void analyzePlan(AnalyzePlanRequest request, StreamObserver<AnalyzePlanResponse> response) {
        AnalyzePlanResponse.Builder answer = AnalyzePlanResponse.newBuilder()
                .setSessionId(request.getSessionId())
                .setServerSideSessionId(SERVER_SESSION);
        if (request.hasSparkVersion()) {
            answer.setSparkVersion(AnalyzePlanResponse.SparkVersion.newBuilder().setVersion(VERSION));
        }
        response.onNext(answer.build());
        response.onCompleted();
    }

    @Override
    public void executePlan(ExecutePlanRequest request, StreamObserver<ExecutePlanResponse> response) {
        StreamShape shape = StreamShape.parse(request.getPlan().getRoot().getSql().getQuery());
        new BatchStream(request, shape, (ServerCallStreamObserver<ExecutePlanResponse>) response).start();
    }

    @Override
    public void reattachExecute(ReattachExecuteRequest request, StreamObserver<ExecutePlanResponse> response) {
        response.onNext(ExecutePlanResponse.newBuilder().setSessionId(request.getSessionId())
                .setServerSideSessionId(SERVER_SESSION).setOperationId(request.getOperationId())
                .setResponseId("complete")
                .setResultComplete(ExecutePlanResponse.ResultComplete.getDefaultInstance()).build());
        response.onCompleted();
    }

    @Override
    public void releaseExecute(ReleaseExecuteRequest request, StreamObserver<ReleaseExecuteResponse> response) {
        response.onNext(ReleaseExecuteResponse.newBuilder().setSessionId(request.getSessionId())
                .setServerSideSessionId(SERVER_SESSION).setOperationId(request.getOperationId()).build());
        response.onCompleted();
    }

    @Override
    public void releaseSession(ReleaseSessionRequest request, StreamObserver<ReleaseSessionResponse> response) {
        response.onNext(ReleaseSessionResponse.newBuilder().setSessionId(request.getSessionId())
                .setServerSideSessionId(SERVER_SESSION).build());
        response.onCompleted();
    }

    @Override
    public void interrupt(InterruptRequest request, StreamObserver<InterruptResponse> response) {
        response.onNext(InterruptResponse.newBuilder().setSessionId(request.getSessionId())
                .setServerSideSessionId(SERVER_SESSION).build());
        response.onCompleted();
    }

    /** Size and count of the batches an ExecutePlan asks for; anything else gets one small batch. */
    record StreamShape(int chunkBytes, long count) {
        static final String PREFIX = "bench-stream ";

        static StreamShape parse(String query) {
            if (!query.startsWith(PREFIX)) {
                return new StreamShape(16, 1);
            }
            String[] parts = query.substring(PREFIX.length()).trim().split("\\s+");
            return new StreamShape(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
        }

        static String query(int chunkBytes, long count) {
            return PREFIX + chunkBytes + " " + count;
        }
    }

    /** Writes the batches while the client's stream is ready, then the ResultComplete. */
    private static final class BatchStream implements Runnable {
        private final ExecutePlanRequest request;
        private final StreamShape shape;
        private final ServerCallStreamObserver<ExecutePlanResponse> out;
        private final ByteString payload;
        private final AtomicBoolean done = new AtomicBoolean();
        private long sent;

        BatchStream(ExecutePlanRequest request, StreamShape shape, ServerCallStreamObserver<ExecutePlanResponse> out) {
            this.request = request;
            this.shape = shape;
            this.out = out;
            this.payload = ByteString.copyFrom(new byte[shape.chunkBytes()]);
        }

        void start() {
            out.setOnCancelHandler(() -> done.set(true));
            out.setOnReadyHandler(this);
            run();
        }

        @Override
        public void run() {
            while (!done.get() && out.isReady() && sent < shape.count()) {
                out.onNext(response().setResponseId("r" + sent)
                        .setArrowBatch(ExecutePlanResponse.ArrowBatch.newBuilder().setRowCount(1).setData(payload))
                        .build());
                sent++;
            }
            if (sent == shape.count() && done.compareAndSet(false, true)) {
                out.onNext(response().setResponseId("complete")
                        .setResultComplete(ExecutePlanResponse.ResultComplete.getDefaultInstance()).build());
                out.onCompleted();
            }
        }

        private ExecutePlanResponse.Builder response() {
            return ExecutePlanResponse.newBuilder().setSessionId(request.getSessionId())
                    .setServerSideSessionId(SERVER_SESSION).setOperationId(request.getOperationId());
        }
    }
}
