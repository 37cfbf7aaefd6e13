package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The capacity calendar: reservations per pool in 15-minute slices, kept in Redis. Each operation is one atomic
 * Redis Function call over all the slices it touches (see {@code capacity/calendar.lua}), idempotent by
 * reservation id, so concurrent gateways never over-book a slice and a retried call never books twice.
 *
 * <p>Everything returns a {@link Uni} completed on the Redis client's event loop; nothing blocks. Redis
 * trouble fails the call with {@link CapacityUnavailable} (fail closed). A pool whose Redis lost its data is
 * "unready" until {@link #rebuild} re-created its reservations; with a {@link ReservationSource} that happens
 * by itself the first time a call finds the pool unready. A rebuild goes pool by pool: on a Redis Cluster with
 * one primary down, the pools on the others are rebuilt and ready.
 */
public class CapacityCalendar {

    private static final int REBUILD_CONCURRENCY = 16;
    /** 104 days: more than any schedule horizon, bounds one read. */
    static final int MAX_SLICES_PER_READ = 10_000;

    private final CapacityFunctions functions;
    private final CapacityConfig config;
    private final PoolCapacities capacities;
    private final ReservationSource source;
    private final SingleFlight<RebuildReport> rebuilding = new SingleFlight<>();
    private final AtomicLong rebuilds = new AtomicLong();

    /**
     * @param source where reservations are re-read from when Redis lost them; null to rebuild only through
     *               {@link #rebuild} calls
     */
    public CapacityCalendar(CapacityFunctions functions, CapacityConfig config, PoolCapacities capacities,
            ReservationSource source) {
        this.functions = functions;
        this.config = config;
        this.capacities = capacities;
        this.source = source;
    }

    /** Loads the Redis Functions library (on every primary reachable; see {@link CapacityFunctions#load}). */
    public Uni<Void> start() {
        return functions.load().replaceWithVoid();
    }

    /** Holds a reservation for the configured hold TTL. */
    public Uni<Admission> hold(Reservation reservation) {
        return hold(reservation, config.holdTtl());
    }

    /**
     * Holds a reservation: if every slice it touches has room, it is counted in all of them until committed,
     * released, or its TTL passes. Holding an id that is already held or committed answers {@code repeated}
     * and books nothing.
     */
    public Uni<Admission> hold(Reservation r, Duration ttl) {
        return hold(r, ttl, false);
    }

    /**
     * Holds and commits a reservation in one atomic call (one round trip instead of two), for callers that
     * commit at once: what {@link #hold} then {@link #commit} would answer. A new id is booked as
     * {@code COMMITTED} if every slice has room; an id still held is committed; an id already committed
     * answers {@code repeated} and books nothing; a released or expired id is {@link Admission.Gone}.
     */
    public Uni<Admission> reserve(Reservation r) {
        return hold(r, config.holdTtl(), true).chain(admission -> {
            // A library loaded by an older gateway (same Redis, mid-upgrade) ignores the commit flag and only
            // holds: commit then, as the two calls did, rather than leave a hold the sweeper would reverse.
            if (admission instanceof Admission.Granted granted && granted.state() == ReservationState.HELD) {
                return commit(r.pool(), r.id()).map(state -> state == ReservationState.COMMITTED
                        ? new Admission.Granted(r, state, granted.repeated())
                        : new Admission.Gone(r.id(), state));
            }
            return Uni.createFrom().item(admission);
        });
    }

    private Uni<Admission> hold(Reservation r, Duration ttl, boolean commit) {
        PoolCapacity capacity = capacity(r.pool());
        List<Object> args = new ArrayList<>(List.of(CalendarKeys.slicePrefix(r.pool()), r.id(), r.team(),
                r.size().vcpuMillis(), r.size().memoryMib(), r.start().getEpochSecond(), r.end().getEpochSecond(),
                ttl.toMillis()));
        args.addAll(limits(capacity, r.team()));
        args.add(waitBudgetSlices());
        args.add(retentionSeconds());
        if (commit) {
            args.add(1);
        }
        return functions.call("hold", reservationKeys(r.pool(), r.id()), args)
                .map(reply -> switch (status(r.pool(), reply)) {
                    case "ok" -> new Admission.Granted(r, ReservationState.parse(reply.get(1).toString()), reply.get(2).toInteger() == 1);
                    case "denied" -> new Admission.Denied(shortfall(r, reply, true));
                    default -> new Admission.Gone(r.id(), ReservationState.parse(reply.get(1).toString()));
                });
    }

    /** Makes a held reservation stay until released. {@code COMMITTED} when it is (also on a retry). */
    public Uni<ReservationState> commit(String pool, String id) {
        return functions.call("commit", reservationKeys(pool, id), List.of(CalendarKeys.slicePrefix(pool), id, retentionSeconds()))
                .map(reply -> {
                    status(pool, reply);
                    return ReservationState.parse(reply.get(1).toString());
                });
    }

    /**
     * Moves a live reservation's end later, booking the slices it newly touches only if all have room. An end
     * that is not later than the current one is a no-op (so a retry never books twice).
     */
    public Uni<Admission> extend(Reservation r, Instant newEnd) {
        PoolCapacity capacity = capacity(r.pool());
        long end = newEnd.getEpochSecond() + (newEnd.getNano() > 0 ? 1 : 0);
        List<Object> args = new ArrayList<>(List.of(CalendarKeys.slicePrefix(r.pool()), r.id(), end));
        args.addAll(limits(capacity, r.team()));
        args.add(retentionSeconds());
        return functions.call("extend", reservationKeys(r.pool(), r.id()), args)
                .map(reply -> switch (status(r.pool(), reply)) {
                    case "ok" -> new Admission.Granted(r.withEnd(Instant.ofEpochSecond(reply.get(2).toLong())),
                            ReservationState.parse(reply.get(1).toString()), false);
                    case "denied" -> new Admission.Denied(shortfall(r, reply, false));
                    default -> new Admission.Gone(r.id(), ReservationState.parse(reply.get(1).toString()));
                });
    }

    /**
     * Releases a reservation from all its slices. Answers {@code RELEASED} when this call (or an earlier one)
     * released it, {@code EXPIRED} for a hold that lapsed, {@code UNKNOWN} for an id the calendar never saw.
     */
    public Uni<ReservationState> release(String pool, String id) {
        return functions.call("release", reservationKeys(pool, id), List.of(CalendarKeys.slicePrefix(pool), id, retentionSeconds()))
                .map(reply -> {
                    status(pool, reply);
                    return ReservationState.parse(reply.get(1).toString());
                });
    }

    /** Reverses up to the configured batch of expired holds in a pool; answers how many. */
    public Uni<Integer> sweep(String pool) {
        return functions.call("sweep", List.of(CalendarKeys.holds(pool)),
                List.of(CalendarKeys.slicePrefix(pool), CalendarKeys.reservationPrefix(pool), config.sweepBatch(), retentionSeconds()))
                .map(Response::toInteger);
    }

    /** Pool (and team) usage of every slice touching [from, to), read in one round trip. */
    public Uni<UsageWindow> usage(String pool, String team, Instant from, Instant to) {
        Slice first = Slice.firstOf(from);
        int count = Slice.count(from, to);
        return usage(pool, team, first, count, List.of(new SliceRange(first.index(), count)));
    }

    /**
     * Pool (and team) usage of only the given ranges (in order, inside [first, first + count)) of the slices
     * [first, first + count), read in one round trip: a partial window, for checks that need few slices.
     */
    Uni<UsageWindow> usage(String pool, String team, Slice first, int count, List<SliceRange> ranges) {
        PoolCapacity capacity = capacity(pool);
        int reading = ranges.stream().mapToInt(SliceRange::count).sum();
        if (reading > MAX_SLICES_PER_READ) {
            throw new IllegalArgumentException("at most " + MAX_SLICES_PER_READ + " slices per read, asked for " + reading);
        }
        List<Object> args = new ArrayList<>(2 + 2 * ranges.size());
        args.add(CalendarKeys.slicePrefix(pool));
        args.add(ranges.get(0).first());
        args.add(ranges.get(0).count());
        // '*': pool totals only, when the team's own usage changes nothing (no cap for it, or no team)
        args.add(UsageWindow.needsTeamUsage(capacity, team) ? team : "*");
        for (SliceRange range : ranges.subList(1, ranges.size())) {
            args.add(range.first());
            args.add(range.count());
        }
        return functions.call("slices", List.of(CalendarKeys.ready(pool)), args)
                .map(reply -> {
                    status(pool, reply);
                    return UsageWindow.of(capacity, team, first, count, ranges, reply);
                });
    }

    /** Use per slice over [from, to), for a heatmap. */
    public Uni<List<SliceUsage>> slices(String pool, Instant from, Instant to) {
        return usage(pool, null, from, to).map(UsageWindow::slices);
    }

    /**
     * Start times in [from, to) at which a reservation of {@code size} for {@code duration} would fit now: every
     * slice start in the range (and {@code from} itself), checked against pool and team limits.
     */
    public Uni<List<Instant>> availableSlots(String pool, String team, Instant from, Instant to, Resources size, Duration duration) {
        return usage(pool, team, from, to.plus(duration)).map(window -> window.availableStarts(from, to, size, duration));
    }

    /**
     * Re-creates committed reservations after Redis lost them, then marks their pools (and every configured
     * pool) ready. Idempotent: an id the calendar already knows is left alone, so nothing is booked twice. Pool by
     * pool: a pool whose Redis (primary) cannot be reached is left unready and the rebuild fails
     * ({@link CapacityUnavailable}, naming it), but every other pool is rebuilt and ready.
     */
    public Uni<RebuildReport> rebuild(List<Reservation> reservations) {
        Map<String, List<Reservation>> byPool = new LinkedHashMap<>();
        capacities.pools().forEach(pool -> byPool.put(pool, new ArrayList<>()));
        reservations.forEach(r -> byPool.computeIfAbsent(r.pool(), pool -> new ArrayList<>()).add(r));
        return Multi.createFrom().iterable(byPool.entrySet())
                .onItem().transformToUni(pool -> rebuild(pool.getKey(), pool.getValue())).merge(REBUILD_CONCURRENCY)
                .collect().asList()
                .map(pools -> {
                    List<PoolRebuilt> failed = pools.stream().filter(pool -> pool.failure() != null).toList();
                    if (!failed.isEmpty()) {
                        throw new CapacityUnavailable("pools not rebuilt (the others are ready): " + failed.stream()
                                .map(pool -> pool.pool() + " (" + pool.failure().getMessage() + ")").collect(Collectors.joining(", ")),
                                functions.retryAfter(), failed.get(0).failure());
                    }
                    rebuilds.incrementAndGet();
                    int restored = pools.stream().mapToInt(PoolRebuilt::restored).sum();
                    return new RebuildReport(restored, reservations.size() - restored, List.copyOf(byPool.keySet()));
                });
    }

    /** One pool's reservations restored, then the pool marked ready; or why not. */
    private record PoolRebuilt(String pool, int restored, Throwable failure) {
    }

    private Uni<PoolRebuilt> rebuild(String pool, List<Reservation> reservations) {
        return Multi.createFrom().iterable(reservations)
                .onItem().transformToUni(this::restore).merge(REBUILD_CONCURRENCY)
                .collect().with(Collectors.summingInt(Integer::intValue))
                .call(() -> markReady(pool))
                .map(restored -> new PoolRebuilt(pool, restored, null))
                .onFailure().recoverWithItem(failure -> new PoolRebuilt(pool, 0, failure));
    }

    /** How many rebuilds completed (at start and after Redis lost its data). */
    public long rebuilds() {
        return rebuilds.get();
    }

    public CapacityFunctions functions() {
        return functions;
    }

    private Uni<Integer> restore(Reservation r) {
        return functions.call("restore", List.of(CalendarKeys.reservation(r.pool(), r.id())),
                List.of(CalendarKeys.slicePrefix(r.pool()), r.team(), r.size().vcpuMillis(), r.size().memoryMib(),
                        r.start().getEpochSecond(), r.end().getEpochSecond(), retentionSeconds()))
                .map(Response::toInteger);
    }

    private Uni<Void> markReady(String pool) {
        String ready = CalendarKeys.ready(pool);
        return functions.command(ready, Request.cmd(Command.SET).arg(ready).arg(Instant.now().toString())).replaceWithVoid();
    }

    /** The reply's status; an unready pool fails the call (and starts a rebuild when there is a source). */
    private String status(String pool, Response reply) {
        String status = reply.get(0).toString();
        if ("unready".equals(status)) {
            rebuildFromSource();
            throw new CapacityUnavailable("pool " + pool + " is being rebuilt after Redis lost its data", functions.retryAfter(), null);
        }
        return status;
    }

    // One rebuild at a time, whatever the number of callers that found a pool unready.
    private void rebuildFromSource() {
        if (source != null) {
            rebuilding.run(() -> source.liveReservations().chain(this::rebuild)).subscribe().with(report -> {
            }, failure -> {
                // the pool stays unready, and the next call that finds it so starts another rebuild
            });
        }
    }

    private Shortfall shortfall(Reservation r, Response reply, boolean withFit) {
        Slice slice = new Slice(reply.get(1).toLong());
        Shortfall.Limit limit = "team".equals(reply.get(2).toString()) ? Shortfall.Limit.TEAM : Shortfall.Limit.POOL;
        long shift = reply.get(5).toLong();
        Optional<Instant> fitsAt = withFit && shift > 0
                ? Optional.of(r.start().plusSeconds(shift * Slice.SECONDS))
                : Optional.empty();
        return Shortfall.of(r.pool(), r.team(), slice, limit, r.size(), reply.get(3).toLong(), reply.get(4).toLong(), fitsAt);
    }

    private PoolCapacity capacity(String pool) {
        return capacities.find(pool).orElseThrow(() -> new IllegalArgumentException("unknown capacity pool: " + pool));
    }

    /** Pool limits then team limits (-1: no team cap), as the functions expect them. */
    static List<Object> limits(PoolCapacity capacity, String team) {
        Optional<Resources> cap = capacity.teamCap(team);
        return List.of(capacity.total().vcpuMillis(), capacity.total().memoryMib(),
                cap.map(Resources::vcpuMillis).orElse(-1L), cap.map(Resources::memoryMib).orElse(-1L));
    }

    private static List<String> reservationKeys(String pool, String id) {
        CalendarKeys.requireName("reservation id", id);
        return List.of(CalendarKeys.reservation(pool, id), CalendarKeys.holds(pool), CalendarKeys.ready(pool));
    }

    private long waitBudgetSlices() {
        return Math.floorDiv(config.waitBudget().toSeconds() + Slice.SECONDS - 1, Slice.SECONDS);
    }

    private long retentionSeconds() {
        return config.retention().toSeconds();
    }
}
