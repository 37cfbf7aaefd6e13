package dev.pedregal.bench;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
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
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/**
 * The capacity calendar's cost against a real loopback Redis ({@code redis-server} started for the trial, port
 * 26280 or {@code -Dpedregal.bench.redis-port}): hold + commit of a 4-hour reservation (16 slices), one at a
 * time (latency percentiles) and {@value #CONCURRENCY} at once (reservations per second), and the validation of
 * a nightly schedule over 30 days (2,880 slices read in one round trip). The calendar holds
 * {@value #BOOKED} committed reservations spread over those 30 days before measuring.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CapacityBenchmark {

    static final int CONCURRENCY = 64;
    static final int BOOKED = 2_000;
    static final String POOL = "bench";
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
    private Instant base;
    private final AtomicLong ids = new AtomicLong();

    @Setup
    public void setUp() {
        server = RedisServer.start(Integer.getInteger("pedregal.bench.redis-port", 26280));
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.url())
                .setMaxPoolSize(16).setMaxPoolWaiting(4096).setMaxWaitingHandlers(65_536));
        CapacityConfig config = new Settings();
        // Room for every reservation the run makes: what is measured is the booking, not a denial.
        PoolCapacity pool = PoolCapacity.of(POOL, new Resources(1_000_000_000_000L, 1_000_000_000_000L));
        calendar = new CapacityCalendar(redis, new CapacityFunctions(redis, config), config, new OnePool(pool), null);
        calendar.start().onFailure().retry().atMost(5).await().atMost(WAIT);
        calendar.rebuild(List.of()).await().atMost(WAIT);
        schedules = new ScheduleCheck(calendar);
        base = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        nightly = new Schedule(POOL, TEAM, CronExpression.parse("30 23 * * *"), Duration.ofHours(1),
                new Resources(2_000, 2_048));
        for (int i = 0; i < BOOKED; i++) {
            holdAndCommit();
        }
    }

    @TearDown
    public void tearDown() {
        redis.close();
        vertx.closeAndAwait();
        server.close();
    }

    /** One reservation: hold, then commit, each one Redis Function call over its 16 slices. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public ReservationState holdAndCommit() {
        return holdThenCommit(next()).await().atMost(WAIT);
    }

    /** {@value #CONCURRENCY} reservations in flight at once, as many sessions opening together would be. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(CONCURRENCY)
    public List<ReservationState> reservationsAtConcurrency() {
        List<Uni<ReservationState>> all = new ArrayList<>(CONCURRENCY);
        for (int i = 0; i < CONCURRENCY; i++) {
            all.add(holdThenCommit(next()));
        }
        return Uni.join().all(all).andFailFast().await().atMost(WAIT);
    }

    /** A nightly one-hour job checked over 30 days against the booked calendar. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public ScheduleReport scheduleValidation30Days() {
        ScheduleReport report = schedules.validate(nightly, base).await().atMost(WAIT);
        if (report.runs().size() != 30) {
            throw new IllegalStateException("expected 30 nightly runs, got " + report.runs().size());
        }
        return report;
    }

    private Uni<ReservationState> holdThenCommit(Reservation r) {
        return calendar.hold(r).chain(admission -> {
            if (!(admission instanceof Admission.Granted)) {
                return Uni.createFrom().failure(new IllegalStateException("not granted: " + admission));
            }
            return calendar.commit(POOL, r.id());
        }).invoke(state -> {
            if (state != ReservationState.COMMITTED) {
                throw new IllegalStateException(r.id() + " is " + state + " after its commit");
            }
        });
    }

    private Reservation next() {
        long n = ids.incrementAndGet();
        Instant start = base.plus(Duration.ofMinutes(15 * ((n * 7) % SLOTS)));
        return new Reservation("r-" + n, TEAM, POOL, SIZE, start, start.plus(LENGTH));
    }

    private record OnePool(PoolCapacity pool) implements PoolCapacities {
        @Override
        public Optional<PoolCapacity> find(String name) {
            return pool.pool().equals(name) ? Optional.of(pool) : Optional.empty();
        }

        @Override
        public Collection<String> pools() {
            return List.of(pool.pool());
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
