package dev.pedregal.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.netty.channel.nio.NioEventLoopGroup;
import org.apache.spark.connect.proto.ConfigResponse;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;

/**
 * Opens {@code --count} sessions, each with one Config RPC under its own session id, then exits and leaves them
 * idle: what the proxy keeps per session is then measured from outside ({@code bench/run.py}).
 *
 * <p>Usage: {@code IdleSessions --target gateway=h:p --count 10000 --parallel 64 --out f.json}
 */
public final class IdleSessions {

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Target target = Target.parse(args.required("target"));
        int count = args.integer("count", 10_000);
        Semaphore inFlight = new Semaphore(args.integer("parallel", 64));
        NioEventLoopGroup loop = new NioEventLoopGroup(1);
        List<ManagedChannel> channels = target.open(4, loop);
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            SparkConnectServiceGrpc.newStub(channels.get(i % channels.size())).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .config(ConfigLoad.request(UUID.randomUUID().toString()), new StreamObserver<ConfigResponse>() {
                        @Override
                        public void onNext(ConfigResponse value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            if (errors.incrementAndGet() == 1) {
                                System.err.println("first failure: " + t);
                            }
                            inFlight.release();
                        }

                        @Override
                        public void onCompleted() {
                            inFlight.release();
                        }
                    });
        }
        inFlight.acquire(args.integer("parallel", 64));
        double seconds = (System.nanoTime() - start) / 1e9;
        Target.close(channels);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", target.name());
        out.put("sessions", count);
        out.put("errors", errors.get());
        out.put("seconds", Results.round(seconds));
        Results.write(args.required("out"), out);
    }
}
