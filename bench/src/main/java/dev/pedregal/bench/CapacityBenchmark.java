package dev.pedregal.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import dev.pedregal.gateway.capacity.Admission;
import dev.pedregal.gateway.capacity.CapacityCalendar;
import dev.pedregal.gateway.capacity.CapacityConfig;
import dev.pedregal.gateway.capacity.CapacityFunctions;
import dev.pedregal.gateway.capacity.CronExpression;
import dev.pedregal.gateway.capacity.PoolCapacities;
import dev.pedregal.gateway.capacity.PoolCapacity;
import dev.pedregal.gateway.capacity.Reservation;
import dev.pedregal.gateway.capacity.ReservationState;
import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.capacity.Schedule;
import dev.pedregal.gateway.capacity.ScheduleCheck;
import dev.pedregal.gateway.capacity.ScheduleReport;
import dev.pedregal.gateway.support.RedisServer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.redis.client.RedisOptions;

/**
 * The capacity calendar's cost against a real loopback Redis ({@code redis-server} started for the trial, port
 * 26280 or {@code -Dpedregal.bench.redis-port}): a 4-hour reservation (16 slices) taken as admission takes it —
 * hold and commit in one Redis Function call ({@link CapacityCalendar#reserve}) — one at a time (latency
 * percentiles) and {@value #CONCURRENCY} at once (reservations per second); the two-phase hold, then commit
 * (two calls) for comparison; and the validation of a nightly schedule over 30 days, once where every run fits
 * and once where some nights are full (suggestions searched). The calendar holds {@value #BOOKED} committed
 * reservations spread over those 30 days before measuring.
 *
 * <p>The Redis client uses the gateway's own pool settings ({@code quarkus.redis.max-pool-size},
 * {@code max-pool-waiting}, {@code max-waiting-handlers} in {@code application.properties}). With
 * {@code -Dpedregal.bench.redis-cpu=N} the redis-server is pinned to CPU N (run.py pins this JVM to the other
 * CPU), so client and server do not compete for one core.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CapacityBenchmark {

    static final int CONCURRENCY = 64;
    static final int BOOKED = 2_000;
    static final String POOL = "bench";
    /** A pool just big enough for the bookings most nights; some nights are full. */
    static final String TIGHT = "tight";
    static final String TEAM = "analytics";
    static final Duration LENGTH = Duration.ofHours(4);
    static final Resources SIZE = new Resources(1_000, 1_024);
    static final Duration WAIT = Duration.ofSeconds(10);
    /** Start slots the reservations cycle through: every quarter hour of 30 days. */
    static final int SLOTS = 30 * 96;

    private RedisServer server;
    private Vertx vertx;
    private Redis redis;
    private CapacityCalendar calendar;
    private ScheduleCheck schedules;
    private Schedule nightly;
    private Schedule nightlyTight;
    private Instant base;
    private final AtomicLong ids = new AtomicLong();
    private String benchmark;
    private CpuUse cpuAtStart;

    @Setup
    public void setUp(BenchmarkParams params) {
        benchmark = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        server = RedisServer.start(Integer.getInteger("pedregal.bench.redis-port", 26280));
        pinRedis();
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, gatewayClientOptions().setConnectionString(server.url()));
        CapacityConfig config = new Settings();
        // Room for every reservation the run makes: what is measured is the booking, not a denial.
        PoolCapacity pool = PoolCapacity.of(POOL, new Resources(1_000_000_000_000L, 1_000_000_000_000L));
        PoolCapacity tight = PoolCapacity.of(TIGHT, new Resources(40_000, 1_000_000));
        calendar = new CapacityCalendar(new CapacityFunctions(redis, config), config, new Pools(pool, tight), null);
        calendar.start().onFailure().retry().atMost(5).await().atMost(WAIT);
        calendar.rebuild(List.of()).await().atMost(WAIT);
        schedules = new ScheduleCheck(calendar);
        base = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        nightly = new Schedule(POOL, TEAM, CronExpression.parse("30 23 * * *"), Duration.ofHours(1),
                new Resources(2_000, 2_048));
        nightlyTight = new Schedule(TIGHT, TEAM, CronExpression.parse("30 23 * * *"), Duration.ofHours(1),
                new Resources(2_000, 2_048));
        for (int i = 0; i < BOOKED; i++) {
            holdAndCommit();
        }
        // The tight pool: every fifth night taken from 22:00 to 02:00 by another team, then the same spread of
        // bookings as the big pool (whatever still fits), so the nightly runs on those nights conflict and
        // their alternatives and a whole-schedule shift are searched.
        Instant midnight = base.truncatedTo(ChronoUnit.DAYS);
        for (int day = 1; day <= 30; day += 5) {
            Instant start = midnight.plus(Duration.ofDays(day)).minus(Duration.ofHours(2));
            calendar.reserve(new Reservation("wall-" + day, "other", TIGHT, new Resources(30_000, 1), start,
                    start.plus(Duration.ofHours(4)))).await().atMost(WAIT);
        }
        for (int i = 0; i < BOOKED; i++) {
            calendar.reserve(next(TIGHT)).await().atMost(WAIT);
        }
        ScheduleReport check = scheduleValidation30DaysWithConflicts();
        if (check.fits()) {
            throw new IllegalStateException("the tight pool was meant to have full nights");
        }
        cpuAtStart = new CpuUse(redisCpuSeconds(), jvmCpuSeconds(), ids.get(), System.nanoTime());
    }

    @TearDown
    public void tearDown() {
        recordCpu();
        redis.close();
        vertx.closeAndAwait();
        server.close();
    }

    private record CpuUse(double redisSeconds, double jvmSeconds, long reservations, long nanos) {
    }

    /**
     * Appends what the trial cost — Redis's and this JVM's CPU seconds, reservations made, wall seconds — as one
     * JSON line to -Dpedregal.bench.capacity-cpu-file (run.py puts it in jmh-capacity-run.json): which side
     * limits the rate.
     */
    private void recordCpu() {
        String file = System.getProperty("pedregal.bench.capacity-cpu-file");
        if (file == null || cpuAtStart == null) {
            return;
        }
        String line = String.format(java.util.Locale.ROOT,
                "{\"benchmark\": \"%s\", \"reservations\": %d, \"redisCpuSeconds\": %.3f, \"jvmCpuSeconds\": %.3f, \"seconds\": %.3f}%n",
                benchmark, ids.get() - cpuAtStart.reservations(), redisCpuSeconds() - cpuAtStart.redisSeconds(),
                jvmCpuSeconds() - cpuAtStart.jvmSeconds(), (System.nanoTime() - cpuAtStart.nanos()) / 1e9);
        try {
            Files.writeString(Path.of(file), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private double redisCpuSeconds() {
        String info = redis.send(Request.cmd(Command.INFO).arg("cpu")).await().atMost(WAIT).toString();
        return info.lines().filter(l -> l.startsWith("used_cpu_sys:") || l.startsWith("used_cpu_user:"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(':') + 1).trim())).sum();
    }

    private static double jvmCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /** One reservation as admission takes it: hold and commit in one Redis Function call over its 16 slices. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public ReservationState holdAndCommit() {
        return reserve(next(POOL)).await().atMost(WAIT);
    }

    /** The two-phase API: hold, then commit, two Redis Function calls (for callers that commit later). */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public ReservationState holdThenCommit() {
        Reservation r = next(POOL);
        return calendar.hold(r).chain(admission -> {
            if (!(admission instanceof Admission.Granted)) {
                return Uni.createFrom().failure(new IllegalStateException("not granted: " + admission));
            }
            return calendar.commit(POOL, r.id());
        }).invoke(state -> requireCommitted(r, state)).await().atMost(WAIT);
    }

    /** {@value #CONCURRENCY} reservations in flight at once, as many sessions opening together would be. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(CONCURRENCY)
    public List<ReservationState> reservationsAtConcurrency() {
        List<Uni<ReservationState>> all = new ArrayList<>(CONCURRENCY);
        for (int i = 0; i < CONCURRENCY; i++) {
            all.add(reserve(next(POOL)));
        }
        return Uni.join().all(all).andFailFast().await().atMost(WAIT);
    }

    /** A nightly one-hour job checked over 30 days against the booked calendar; every run fits. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public ScheduleReport scheduleValidation30Days() {
        ScheduleReport report = schedules.validate(nightly, base).await().atMost(WAIT);
        if (report.runs().size() != 30 || !report.fits()) {
            throw new IllegalStateException("expected 30 nightly runs that fit, got " + report.runs().size()
                    + " with " + report.conflicts().size() + " conflicts");
        }
        return report;
    }

    /**
     * The same nightly job in a pool where every fifth night is taken from 22:00 to 02:00: conflicts, and their
     * alternatives and a shift found within 3 hours (the check's second read, around the runs).
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public ScheduleReport scheduleValidation30DaysWithConflicts() {
        return schedules.validate(nightlyTight, base).await().atMost(WAIT);
    }

    private Uni<ReservationState> reserve(Reservation r) {
        return calendar.reserve(r).map(admission -> {
            if (!(admission instanceof Admission.Granted granted)) {
                throw new IllegalStateException("not granted: " + admission);
            }
            requireCommitted(r, granted.state());
            return granted.state();
        });
    }

    private static void requireCommitted(Reservation r, ReservationState state) {
        if (state != ReservationState.COMMITTED) {
            throw new IllegalStateException(r.id() + " is " + state + " after its commit");
        }
    }

    private Reservation next(String pool) {
        long n = ids.incrementAndGet();
        Instant start = base.plus(Duration.ofMinutes(15 * ((n * 7) % SLOTS)));
        return new Reservation("r-" + n, TEAM, pool, SIZE, start, start.plus(LENGTH));
    }

    /** The Redis client options of the gateway: its application.properties over Quarkus's defaults. */
    static RedisOptions gatewayClientOptions() {
        Properties gateway = new Properties();
        try (InputStream in = CapacityBenchmark.class.getClassLoader().getResourceAsStream("application.properties")) {
            gateway.load(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the gateway's application.properties is not on the class path", e);
        }
        return new RedisOptions()
                .setMaxPoolSize(Integer.parseInt(gateway.getProperty("quarkus.redis.max-pool-size", "6")))
                .setMaxPoolWaiting(Integer.parseInt(gateway.getProperty("quarkus.redis.max-pool-waiting", "24")))
                .setMaxWaitingHandlers(Integer.parseInt(gateway.getProperty("quarkus.redis.max-waiting-handlers", "2048")));
    }

    /** Pins the redis-server (all its threads) to -Dpedregal.bench.redis-cpu, when set. */
    private void pinRedis() {
        String cpu = System.getProperty("pedregal.bench.redis-cpu");
        if (cpu == null || cpu.isBlank()) {
            return;
        }
        try {
            Process info = new ProcessBuilder("redis-cli", "-p", Integer.toString(server.port()), "INFO", "server")
                    .redirectErrorStream(true).start();
            String pid = new String(info.getInputStream().readAllBytes()).lines()
                    .filter(l -> l.startsWith("process_id:")).map(l -> l.substring("process_id:".length()).trim())
                    .findFirst().orElseThrow(() -> new IllegalStateException("redis-server did not say its pid"));
            Process pin = new ProcessBuilder("taskset", "-a", "-p", "-c", cpu, pid).redirectErrorStream(true).start();
            String out = new String(pin.getInputStream().readAllBytes());
            if (pin.waitFor() != 0) {
                throw new IllegalStateException("taskset failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private record Pools(List<PoolCapacity> all) implements PoolCapacities {
        Pools(PoolCapacity... pools) {
            this(List.of(pools));
        }

        @Override
        public Optional<PoolCapacity> find(String name) {
            return all.stream().filter(p -> p.pool().equals(name)).findFirst();
        }

        @Override
        public Collection<String> pools() {
            return all.stream().map(PoolCapacity::pool).toList();
        }
    }

    /** The calendar's defaults (pedregal.capacity.*), with a generous Redis timeout for a busy machine. */
    private static final class Settings implements CapacityConfig {
        public Duration redisTimeout() {
            return Duration.ofSeconds(2);
        }

        public Duration unavailableRetryAfter() {
            return Duration.ofSeconds(2);
        }

        public Duration holdTtl() {
            return Duration.ofMinutes(2);
        }

        public Duration waitBudget() {
            return Duration.ofHours(2);
        }

        public Duration retention() {
            return Duration.ofDays(1);
        }

        public int sweepBatch() {
            return 256;
        }

        public Duration sweepInterval() {
            return Duration.ofSeconds(5);
        }
    }
}
