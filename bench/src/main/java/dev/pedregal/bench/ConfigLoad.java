package dev.pedregal.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.netty.channel.nio.NioEventLoopGroup;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ConfigResponse;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.apache.spark.connect.proto.UserContext;

/**
 * Unary Config RPCs against every target, interleaved per concurrency level so that drift on a shared machine
 * spreads evenly. Two modes per level:
 * <ul>
 * <li>closed loop: each session sends its next RPC when the last one answered — the maximum throughput;
 * latencies are corrected for coordinated omission with the per-session expected interval (the mean);</li>
 * <li>constant rate: RPCs are sent on a fixed schedule, round-robin over the sessions, at a common rate (a
 * fraction of the slowest target's closed-loop throughput); latency counts from the intended send time, so a
 * stall is charged to every RPC it delayed.</li>
 * </ul>
 * Usage: {@code ConfigLoad --targets direct=h:p,gateway=h:p,nginx=h:p --sessions 1,16,64,256 --warmup 2
 * --duration 8 --prewarm 10 --rate-fraction 0.5 --out bench/results/config.json}
 */
public final class ConfigLoad {

    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int MAX_CHANNELS = 16;

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        List<Target> targets = Target.parseAll(args.required("targets"));
        List<Integer> levels = new ArrayList<>();
        for (String s : args.get("sessions", "1,16,64,256").split(",")) {
            levels.add(Integer.parseInt(s.trim()));
        }
        long warmup = TimeUnit.MILLISECONDS.toNanos((long) (args.decimal("warmup", 2) * 1000));
        long duration = TimeUnit.MILLISECONDS.toNanos((long) (args.decimal("duration", 8) * 1000));
        double fraction = args.decimal("rate-fraction", 0.5);
        long prewarm = TimeUnit.MILLISECONDS.toNanos((long) (args.decimal("prewarm", 10) * 1000));
        NioEventLoopGroup loop = new NioEventLoopGroup(1);

        // JIT warm-up of every process on the path, not recorded: a CPU-starved JVM compiles slowly.
        for (Target target : targets) {
            closedLoop(target, 16, 0, prewarm, loop);
        }
        List<Map<String, Object>> closed = new ArrayList<>();
        Map<Integer, Double> slowest = new LinkedHashMap<>();
        for (int sessions : levels) {
            for (Target target : targets) {
                Map<String, Object> r = closedLoop(target, sessions, warmup, duration, loop);
                closed.add(r);
                slowest.merge(sessions, (Double) r.get("throughput"), Math::min);
                System.out.printf("closed %-8s sessions=%-4d %s%n", target.name(), sessions, r);
            }
        }
        List<Map<String, Object>> rate = new ArrayList<>();
        for (int sessions : levels) {
            double perSecond = Math.max(100, Math.floor(slowest.get(sessions) * fraction));
            for (Target target : targets) {
                Map<String, Object> r = constantRate(target, sessions, perSecond, warmup, duration, loop);
                rate.add(r);
                System.out.printf("rate   %-8s sessions=%-4d %s%n", target.name(), sessions, r);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scenario", "unary-config");
        out.put("warmupSeconds", warmup / 1e9);
        out.put("durationSeconds", duration / 1e9);
        out.put("rateFraction", fraction);
        out.put("closedLoop", closed);
        out.put("constantRate", rate);
        Results.write(args.required("out"), out);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Sessions with their requests, spread over up to {@value #MAX_CHANNELS} connections. */
    private static final class Sessions {
        final List<ManagedChannel> channels;
        final List<SparkConnectServiceGrpc.SparkConnectServiceStub> stubs = new ArrayList<>();
        final List<ConfigRequest> requests = new ArrayList<>();

        Sessions(Target target, int count, NioEventLoopGroup loop) {
            channels = target.open(Math.min(count, MAX_CHANNELS), loop);
            for (int i = 0; i < count; i++) {
                stubs.add(SparkConnectServiceGrpc.newStub(channels.get(i % channels.size())));
                requests.add(request(UUID.randomUUID().toString()));
            }
        }

        void call(int session, StreamObserver<ConfigResponse> observer) {
            stubs.get(session).withDeadlineAfter(30, TimeUnit.SECONDS).config(requests.get(session), observer);
        }

        int size() {
            return requests.size();
        }
    }

    static ConfigRequest request(String sessionId) {
        return ConfigRequest.newBuilder()
                .setSessionId(sessionId)
                .setUserContext(UserContext.newBuilder().setUserId("bench"))
                .setOperation(ConfigRequest.Operation.newBuilder()
                        .setGet(ConfigRequest.Get.newBuilder().addKeys("spark.sql.shuffle.partitions")))
                .build();
    }

    private static Map<String, Object> closedLoop(Target target, int count, long warmup, long duration,
            NioEventLoopGroup loop) throws InterruptedException {
        Sessions sessions = new Sessions(target, count, loop);
        Recorder recorder = new Recorder(HIGHEST_NANOS, 3);
        AtomicLong errors = new AtomicLong();
        CountDownLatch drained = new CountDownLatch(count);
        long end = System.nanoTime() + warmup + duration;
        for (int i = 0; i < count; i++) {
            new ClosedLoopSession(sessions, i, recorder, errors, drained, end).fire();
        }
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(warmup));
        recorder.reset();
        long errorsBefore = errors.get();
        long measuredFrom = System.nanoTime();
        drained.await(TimeUnit.NANOSECONDS.toSeconds(warmup + duration) + 60, TimeUnit.SECONDS);
        Histogram raw = recorder.getIntervalHistogram();
        double seconds = (System.nanoTime() - measuredFrom) / 1e9;
        Target.close(sessions.channels);
        // Each session would have sent every mean-latency interval; a slower answer hid the RPCs it delayed.
        Histogram corrected = raw.copyCorrectedForCoordinatedOmission((long) raw.getMean());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("target", target.name());
        r.put("sessions", count);
        r.put("throughput", Results.round(raw.getTotalCount() / seconds));
        r.put("errors", errors.get() - errorsBefore);
        r.put("latencyUs", Results.latencyMicros(corrected));
        r.put("rawLatencyUs", Results.latencyMicros(raw));
        return r;
    }

    private static final class ClosedLoopSession implements StreamObserver<ConfigResponse> {
        private final Sessions sessions;
        private final int index;
        private final Recorder recorder;
        private final AtomicLong errors;
        private final CountDownLatch drained;
        private final long end;
        private long sentAt;

        ClosedLoopSession(Sessions sessions, int index, Recorder recorder, AtomicLong errors, CountDownLatch drained,
                long end) {
            this.sessions = sessions;
            this.index = index;
            this.recorder = recorder;
            this.errors = errors;
            this.drained = drained;
            this.end = end;
        }

        void fire() {
            sentAt = System.nanoTime();
            if (sentAt >= end) {
                drained.countDown();
                return;
            }
            sessions.call(index, this);
        }

        @Override
        public void onNext(ConfigResponse value) {
        }

        @Override
        public void onError(Throwable t) {
            errors.incrementAndGet();
            fire();
        }

        @Override
        public void onCompleted() {
            recorder.recordValue(Math.min(System.nanoTime() - sentAt, HIGHEST_NANOS));
            fire();
        }
    }

    private static Map<String, Object> constantRate(Target target, int count, double perSecond, long warmup,
            long duration, NioEventLoopGroup loop) throws InterruptedException {
        Sessions sessions = new Sessions(target, count, loop);
        // Every session places (binds) before the schedule starts, so the rate measures bound sessions only.
        CountDownLatch bound = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            sessions.call(i, new Completion(bound::countDown));
        }
        bound.await(60, TimeUnit.SECONDS);
        Recorder fromIntended = new Recorder(HIGHEST_NANOS, 3);
        Recorder fromSent = new Recorder(HIGHEST_NANOS, 3);
        AtomicLong errors = new AtomicLong();
        AtomicLong outstanding = new AtomicLong();
        long period = (long) (1e9 / perSecond);
        long start = System.nanoTime();
        long measureFrom = start + warmup;
        long end = measureFrom + duration;
        boolean measuring = false;
        long errorsBefore = 0;
        long issued = 0;
        while (true) {
            long now = System.nanoTime();
            if (!measuring && now >= measureFrom) {
                fromIntended.reset();
                fromSent.reset();
                errorsBefore = errors.get();
                measuring = true;
            }
            if (now >= end) {
                break;
            }
            // Send everything due by now: a late scheduler wake-up is charged to the RPCs it delayed.
            for (long due = (now - start) / period + 1; issued < due; issued++) {
                long intended = start + issued * period;
                long sent = System.nanoTime();
                outstanding.incrementAndGet();
                sessions.call((int) (issued % count), new Completion(() -> {
                    long done = System.nanoTime();
                    fromIntended.recordValue(Math.min(done - intended, HIGHEST_NANOS));
                    fromSent.recordValue(Math.min(done - sent, HIGHEST_NANOS));
                    outstanding.decrementAndGet();
                }, () -> {
                    errors.incrementAndGet();
                    outstanding.decrementAndGet();
                }));
            }
            LockSupport.parkNanos(Math.min(period, 50_000));
        }
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (outstanding.get() > 0 && System.nanoTime() < waitUntil) {
            Thread.sleep(5);
        }
        Histogram intended = fromIntended.getIntervalHistogram();
        Histogram service = fromSent.getIntervalHistogram();
        Target.close(sessions.channels);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("target", target.name());
        r.put("sessions", count);
        r.put("rate", perSecond);
        r.put("achievedRate", Results.round(intended.getTotalCount() / (duration / 1e9)));
        r.put("errors", errors.get() - errorsBefore);
        r.put("latencyUs", Results.latencyMicros(intended));
        r.put("serviceTimeUs", Results.latencyMicros(service));
        return r;
    }

    /** Runs one action on success, another on failure. */
    private static final class Completion implements StreamObserver<ConfigResponse> {
        private final Runnable onSuccess;
        private final Runnable onFailure;

        Completion(Runnable always) {
            this(always, always);
        }

        Completion(Runnable onSuccess, Runnable onFailure) {
            this.onSuccess = onSuccess;
            this.onFailure = onFailure;
        }

        @Override
        public void onNext(ConfigResponse value) {
        }

        @Override
        public void onError(Throwable t) {
            onFailure.run();
        }

        @Override
        public void onCompleted() {
            onSuccess.run();
        }
    }
}
