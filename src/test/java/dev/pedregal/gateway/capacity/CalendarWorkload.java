package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;

/**
 * Many clients doing random hold / commit / extend / release on one small pool, each call sometimes sent twice
 * (a client retry), while a checker reads the whole pool atomically and records every violation of the
 * invariants: no slice over capacity, and every slice equal to what the live reservations add up to.
 */
final class CalendarWorkload {

    static final String POOL = "small";
    static final Resources CAPACITY = new Resources(16_000, 65_536);
    static final int WINDOW_SLICES = 16;

    final CalendarFixture fixture;
    final Instant t0 = Slice.of(Instant.now()).start().plus(Duration.ofHours(1));
    /** Every id ever used (released at the end, whatever the client believes). */
    final Set<Reservation> everUsed = ConcurrentHashMap.newKeySet();
    /** What the clients believe is committed: the "database" a rebuild reads. */
    final Map<String, Reservation> committed = new ConcurrentHashMap<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    final AtomicLong operations = new AtomicLong();
    final AtomicLong granted = new AtomicLong();
    final AtomicLong denied = new AtomicLong();
    final AtomicLong unavailable = new AtomicLong();
    final AtomicLong repeats = new AtomicLong();
    final AtomicLong checks = new AtomicLong();
    /** Incremented by a test each time it makes Redis lose its data. */
    final AtomicLong redisLosses = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);

    CalendarWorkload(CalendarFixture fixture) {
        this.fixture = fixture;
        fixture.pool(PoolCapacity.of(POOL, CAPACITY));
    }

    /** Runs {@code clients} clients of {@code steps} operations each, with the checker and a sweeper alongside. */
    void run(int clients, int steps, Runnable midRun) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients + 3);
        try {
            Future<?> checker = pool.submit(this::check);
            Future<?> sweeper = pool.submit(this::sweep);
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                all.add(pool.submit(() -> client(client, steps)));
            }
            Future<?> disturbance = pool.submit(midRun);
            for (Future<?> f : all) {
                f.get(10, TimeUnit.MINUTES);
            }
            disturbance.get(1, TimeUnit.MINUTES);
            running.set(false);
            checker.get(1, TimeUnit.MINUTES);
            sweeper.get(1, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Releases every id ever used, retrying through unavailability; afterwards nothing may be booked. */
    void releaseAll() {
        for (Reservation r : everUsed) {
            retrying(() -> fixture.calendar.release(POOL, r.id()));
        }
    }

    CalendarLedger ledger() {
        return CalendarLedger.read(fixture, POOL);
    }

    private void client(int client, int steps) {
        Random random = new Random(client * 7919L);
        Map<String, Reservation> live = new java.util.HashMap<>();
        for (int step = 0; step < steps; step++) {
            operations.incrementAndGet();
            int op = random.nextInt(10);
            if (live.isEmpty() || op < 4) {
                Reservation r = randomReservation(random, "c" + client + "-" + step);
                everUsed.add(r);
                Duration ttl = random.nextInt(5) == 0 ? Duration.ofMillis(30) : Duration.ofMinutes(5);
                Admission a = twice(random, () -> fixture.calendar.hold(r, ttl));
                if (a instanceof Admission.Granted g) {
                    granted.incrementAndGet();
                    repeats.addAndGet(g.repeated() ? 1 : 0);
                    live.put(r.id(), r);
                } else if (a instanceof Admission.Denied) {
                    denied.incrementAndGet();
                }
                continue;
            }
            Reservation r = live.values().stream().skip(random.nextInt(live.size())).findFirst().orElseThrow();
            if (op < 6) {
                ReservationState state = twice(random, () -> fixture.calendar.commit(POOL, r.id()));
                if (state == ReservationState.COMMITTED) {
                    committed.put(r.id(), r);
                } else {
                    live.remove(r.id());
                }
            } else if (op < 8) {
                Instant end = r.end().plusSeconds(Slice.SECONDS * (1 + random.nextInt(2)));
                if (Slice.lastOf(end).index() >= Slice.of(t0).index() + WINDOW_SLICES) {
                    continue;
                }
                Admission a = twice(random, () -> fixture.calendar.extend(r, end));
                if (a instanceof Admission.Granted g) {
                    live.put(r.id(), g.reservation());
                    committed.computeIfPresent(r.id(), (id, old) -> g.reservation());
                } else if (a instanceof Admission.Gone) {
                    live.remove(r.id());
                    committed.remove(r.id());
                }
            } else {
                twice(random, () -> fixture.calendar.release(POOL, r.id()));
                live.remove(r.id());
                committed.remove(r.id());
            }
        }
    }

    private Reservation randomReservation(Random random, String id) {
        Instant start = t0.plusSeconds(Slice.SECONDS * random.nextInt(WINDOW_SLICES - 4) + (random.nextBoolean() ? 0 : random.nextInt(900)));
        Instant end = start.plusSeconds(60L + random.nextInt(3 * 900));
        return new Reservation(id, "team" + random.nextInt(4), POOL,
                new Resources(500L * (1 + random.nextInt(8)), 1_024L * (1 + random.nextInt(8))), start, end);
    }

    /** The call, retried through unavailability; 30% of the time sent a second time as a client retry would. */
    private <T> T twice(Random random, Supplier<Uni<T>> call) {
        long lossesBefore = redisLosses.get();
        T first = retrying(call);
        if (random.nextInt(10) < 3) {
            T second = retrying(call);
            // A hold lost with Redis's data may rightly be denied on its retry; otherwise a grant must stand.
            if (first instanceof Admission.Granted && !(second instanceof Admission.Granted)
                    && !(second instanceof Admission.Gone) && redisLosses.get() == lossesBefore) {
                violations.add("a retried call changed a granted answer into " + second);
            }
            return second;
        }
        return first;
    }

    private <T> T retrying(Supplier<Uni<T>> call) {
        for (int attempt = 0; ; attempt++) {
            try {
                return call.get().await().atMost(Duration.ofSeconds(5));
            } catch (CapacityUnavailable e) {
                unavailable.incrementAndGet();
                if (attempt > 2_000) {
                    throw e;
                }
                sleep(10);
            }
        }
    }

    private void check() {
        while (running.get()) {
            try {
                CalendarLedger ledger = ledger();
                checks.incrementAndGet();
                if (violations.size() < 20) { // the first few tell the story
                    ledger.overBooked(CAPACITY).forEach(s -> violations.add("over capacity: " + s));
                    ledger.mismatches().forEach(s -> violations.add("totals differ from reservations: " + s));
                }
            } catch (RuntimeException redisDown) {
                // the restart test kills Redis; the next read checks again
            }
            sleep(5);
        }
    }

    private void sweep() {
        while (running.get()) {
            try {
                fixture.calendar.sweep(POOL).await().atMost(Duration.ofSeconds(5));
            } catch (RuntimeException redisDown) {
                // checked by the calls themselves
            }
            sleep(20);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
