package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;

/**
 * Redis is killed (kill -9) in the middle of the race and comes back empty: calls fail closed meanwhile, the
 * library is reloaded by itself, the pool is rebuilt from the committed reservations, and the invariants hold
 * before, during and after.
 */
class CalendarRestartTest {

    @Test
    void killedRedisComesBackEmptyAndTheCalendarIsRebuilt() throws Exception {
        AtomicReference<CalendarWorkload> workload = new AtomicReference<>();
        ReservationSource database = () -> Uni.createFrom().item(() -> List.copyOf(workload.get().committed.values()));
        try (CalendarFixture fixture = new CalendarFixture(26381, TestConfig.defaults(), database)) {
            CalendarWorkload work = new CalendarWorkload(fixture);
            workload.set(work);
            fixture.reset();
            long loadsBefore = fixture.functions.loads();
            long rebuildsBefore = fixture.calendar.rebuilds();
            long[] unavailableAtKill = new long[1];

            work.run(64, 100, () -> {
                while (work.operations.get() < 64 * 40) {
                    CalendarWorkload.sleep(5);
                }
                assertTrue(work.committed.size() > 0, "something was committed before the crash");
                fixture.server.kill();
                // After the kill: a call answered by the old Redis read the count before this point.
                work.redisLosses.incrementAndGet();
                CalendarWorkload.sleep(300);
                unavailableAtKill[0] = work.unavailable.get();
                fixture.server.restart();
            });

            System.out.printf("restart: %d operations, %d granted, %d denied, %d unavailable, %d checks, loads %d, rebuilds %d%n",
                    work.operations.get(), work.granted.get(), work.denied.get(), work.unavailable.get(), work.checks.get(),
                    fixture.functions.loads(), fixture.calendar.rebuilds());
            assertTrue(unavailableAtKill[0] > 0, "calls failed closed while Redis was down");
            assertTrue(fixture.functions.loads() > loadsBefore, "the function library was reloaded after the restart");
            assertTrue(fixture.calendar.rebuilds() > rebuildsBefore, "the pool was rebuilt from the committed reservations");
            assertEquals(List.of(), work.violations, "invariants checked " + work.checks.get() + " times");
            CalendarLedger end = work.ledger();
            assertEquals(List.of(), end.overBooked(CalendarWorkload.CAPACITY));
            assertEquals(List.of(), end.mismatches());

            // A second rebuild of the same reservations (a replica racing, an operator re-running it) books nothing.
            RebuildReport again = fixture.calendar.rebuild(List.copyOf(work.committed.values())).await().atMost(CalendarFixture.WAIT);
            assertEquals(0, again.restored());
            assertEquals(List.of(), work.ledger().mismatches());

            work.releaseAll();
            assertTrue(work.ledger().slices().isEmpty(), "all released -> every slice is zero");
        }
    }
}
