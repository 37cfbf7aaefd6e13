package dev.pedregal.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.netty.channel.nio.NioEventLoopGroup;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.apache.spark.connect.proto.UserContext;

/**
 * One ExecutePlan streaming {@code --bytes} of Arrow-batch-shaped responses ({@code --chunk} bytes each) from
 * the fake backend, per target and repetition, targets interleaved. Reports the throughput of each and the
 * median per target.
 *
 * <p>Usage: {@code StreamLoad --targets direct=h:p,... --bytes 1073741824 --chunk 1048576 --repeat 3 --out f.json}
 */
public final class StreamLoad {

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        List<Target> targets = Target.parseAll(args.required("targets"));
        long bytes = Long.parseLong(args.get("bytes", Long.toString(1L << 30)));
        int chunk = args.integer("chunk", 1 << 20);
        int repeat = args.integer("repeat", 3);
        NioEventLoopGroup loop = new NioEventLoopGroup(1);

        // A small stream per target first, so that connection set-up and JIT warm-up are not measured.
        for (Target target : targets) {
            stream(target, chunk, Math.max(1, (64L << 20) / chunk), loop);
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int r = 0; r < repeat; r++) {
            for (Target target : targets) {
                Map<String, Object> run = stream(target, chunk, bytes / chunk, loop);
                run.put("repeat", r);
                runs.add(run);
                System.out.printf("stream %-8s %s%n", target.name(), run);
            }
        }
        Map<String, Object> medians = new LinkedHashMap<>();
        for (Target target : targets) {
            List<Double> rates = runs.stream().filter(r -> r.get("target").equals(target.name()))
                    .map(r -> (Double) r.get("mibPerSecond")).sorted().toList();
            medians.put(target.name(), rates.get(rates.size() / 2));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scenario", "stream-execute-plan");
        out.put("bytesPerStream", bytes);
        out.put("chunkBytes", chunk);
        out.put("runs", runs);
        out.put("medianMibPerSecond", medians);
        Results.write(args.required("out"), out);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static Map<String, Object> stream(Target target, int chunk, long count, NioEventLoopGroup loop)
            throws Exception {
        List<ManagedChannel> channels = target.open(1, loop);
        ExecutePlanRequest request = ExecutePlanRequest.newBuilder()
                .setSessionId(UUID.randomUUID().toString())
                .setOperationId(UUID.randomUUID().toString())
                .setUserContext(UserContext.newBuilder().setUserId("bench"))
                .setPlan(Plan.newBuilder().setRoot(Relation.newBuilder()
                        .setSql(SQL.newBuilder().setQuery(FakeSparkConnect.StreamShape.query(chunk, count)))))
                .build();
        CompletableFuture<long[]> done = new CompletableFuture<>();
        long start = System.nanoTime();
        SparkConnectServiceGrpc.newStub(channels.get(0)).executePlan(request, new StreamObserver<>() {
            private long received;
            private long batches;

            @Override
            public void onNext(ExecutePlanResponse response) {
                if (response.hasArrowBatch()) {
                    received += response.getArrowBatch().getData().size();
                    batches++;
                }
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(new long[] { received, batches });
            }
        });
        long[] got = done.get(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        Target.close(channels);
        if (got[1] != count) {
            throw new IllegalStateException(target.name() + ": expected " + count + " batches, got " + got[1]);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("target", target.name());
        r.put("bytes", got[0]);
        r.put("seconds", Results.round(seconds));
        r.put("mibPerSecond", Results.round(got[0] / seconds / (1 << 20)));
        return r;
    }
}
