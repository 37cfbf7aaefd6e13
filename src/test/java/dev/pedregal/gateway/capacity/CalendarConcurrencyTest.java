package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** 64 clients race on a small pool: no slice ever over capacity, retries never double-book, all released is zero. */
class CalendarConcurrencyTest {

    @Test
    void sixtyFourClientsNeverOverBookASlice() throws Exception {
        try (CalendarFixture fixture = new CalendarFixture(26380)) {
            CalendarWorkload work = new CalendarWorkload(fixture);
            fixture.reset();
            work.run(64, 80, () -> { });

            CalendarLedger end = work.ledger();
            System.out.printf("concurrency: %d operations, %d granted, %d denied, %d repeated, %d checks, %d live at end%n",
                    work.operations.get(), work.granted.get(), work.denied.get(), work.repeats.get(), work.checks.get(), end.liveRecords());
            assertEquals(List.of(), work.violations, "invariants checked " + work.checks.get() + " times during the run");
            assertEquals(List.of(), end.overBooked(CalendarWorkload.CAPACITY));
            assertEquals(List.of(), end.mismatches(), "slice totals are exactly the live reservations: nothing booked twice");
            assertTrue(work.checks.get() > 10, "the checker ran throughout: " + work.checks.get());
            assertTrue(work.denied.get() > 0 && work.granted.get() > 0,
                    "the pool was contended: granted " + work.granted.get() + ", denied " + work.denied.get());
            assertTrue(work.repeats.get() > 0, "retried holds answered 'repeated'");

            work.releaseAll();
            assertTrue(work.ledger().slices().isEmpty(), "all released -> every slice is zero");
        }
    }
}
