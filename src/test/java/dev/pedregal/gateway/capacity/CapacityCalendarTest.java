package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The calendar's operations against a real Redis: booking, idempotency, denial facts, sweeping, queries. */
class CapacityCalendarTest {

    static final Duration WAIT = CalendarFixture.WAIT;
    static CalendarFixture fixture;
    static final Resources POOL = new Resources(8_000, 32_768);
    // A slice boundary an hour from now, so every slice used is in the future.
    static final Instant T0 = Slice.of(Instant.now()).start().plus(Duration.ofHours(1));

    @BeforeAll
    static void start() {
        fixture = new CalendarFixture(26379);
        fixture.pool(PoolCapacity.of("p1", POOL));
        fixture.pool(new PoolCapacity("p2", POOL, Map.of("capped", new Resources(2_000, 4_096))));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @BeforeEach
    void empty() {
        fixture.reset();
    }

    CapacityCalendar calendar() {
        return fixture.calendar;
    }

    static Reservation r(String id, String team, String pool, long cpu, long mem, Instant start, Duration length) {
        return new Reservation(id, team, pool, new Resources(cpu, mem), start, start.plus(length));
    }

    Admission hold(Reservation r) {
        return calendar().hold(r).await().atMost(WAIT);
    }

    @Test
    void holdCountsInEveryTouchedSliceAndReleaseRemovesIt() {
        // 10:05 to 10:20 style: starts inside a slice, ends inside the next one -> two slices.
        Reservation a = r("a", "t1", "p1", 3_000, 1_024, T0.plusSeconds(300), Duration.ofMinutes(15));
        assertTrue(hold(a).granted());
        List<SliceUsage> cells = calendar().slices("p1", T0, T0.plus(Duration.ofHours(1))).await().atMost(WAIT);
        assertEquals(List.of(3_000L, 3_000L, 0L, 0L), cells.stream().map(c -> c.used().vcpuMillis()).toList());
        assertEquals(new Slice(T0.getEpochSecond() / 900), cells.get(0).slice());
        assertEquals(ReservationState.COMMITTED, calendar().commit("p1", "a").await().atMost(WAIT));
        assertEquals(ReservationState.RELEASED, calendar().release("p1", "a").await().atMost(WAIT));
        assertTrue(CalendarLedger.read(fixture, "p1").slices().isEmpty(), "all released -> no slice has anything booked");
    }

    @Test
    void retriedCallsNeverBookTwice() {
        Reservation a = r("a", "t1", "p1", 3_000, 1_024, T0, Duration.ofHours(1));
        assertEquals(new Admission.Granted(a, ReservationState.HELD, false), hold(a));
        assertEquals(new Admission.Granted(a, ReservationState.HELD, true), hold(a));
        calendar().commit("p1", "a").await().atMost(WAIT);
        assertEquals(ReservationState.COMMITTED, calendar().commit("p1", "a").await().atMost(WAIT));
        assertEquals(new Admission.Granted(a, ReservationState.COMMITTED, true), hold(a));
        Instant later = T0.plus(Duration.ofHours(2));
        assertTrue(calendar().extend(a, later).await().atMost(WAIT).granted());
        assertTrue(calendar().extend(a, later).await().atMost(WAIT).granted());
        assertTrue(calendar().extend(a, T0.plus(Duration.ofMinutes(30))).await().atMost(WAIT).granted(), "an earlier end is a no-op");
        CalendarLedger ledger = CalendarLedger.read(fixture, "p1");
        assertEquals(8, ledger.slices().size());
        assertTrue(ledger.slices().values().stream().allMatch(v -> v[0] == 3_000 && v[1] == 1_024), "each slice counts it once");
        assertEquals(List.of(), ledger.mismatches());

        calendar().release("p1", "a").await().atMost(WAIT);
        assertEquals(ReservationState.RELEASED, calendar().release("p1", "a").await().atMost(WAIT));
        assertEquals(new Admission.Gone("a", ReservationState.RELEASED), hold(a), "a late retry of the hold cannot re-book it");
        assertEquals(ReservationState.RELEASED, calendar().commit("p1", "a").await().atMost(WAIT));
        assertEquals(ReservationState.UNKNOWN, calendar().release("p1", "never-held").await().atMost(WAIT));
        assertTrue(CalendarLedger.read(fixture, "p1").slices().isEmpty());
    }

    @Test
    void denialNamesPoolSliceAndExactShortfall() {
        // 6 vCPU booked for two slices from T0+30m; asking 4 vCPU from T0 for an hour fails at T0+30m.
        assertTrue(hold(r("big", "t1", "p1", 6_000, 30_000, T0.plus(Duration.ofMinutes(30)), Duration.ofMinutes(30))).granted());
        Reservation ask = r("ask", "t2", "p1", 4_000, 3_000, T0, Duration.ofHours(1));
        Admission.Denied denied = assertInstanceOf(Admission.Denied.class, hold(ask));
        Shortfall s = denied.shortfall();
        assertEquals("p1", s.pool());
        assertEquals("t2", s.team());
        assertEquals(Shortfall.Limit.POOL, s.limit());
        assertEquals(T0.plus(Duration.ofMinutes(30)), s.slice().start());
        assertEquals(new Resources(4_000, 3_000), s.requested());
        assertEquals(new Resources(2_000, 2_768), s.available());
        assertEquals(new Resources(2_000, 232), s.shortfall());
        // The busy slices end at T0+60m: the hour-long request fits from T0+60m, four slices later.
        assertEquals(T0.plus(Duration.ofHours(1)), s.fitsAt().orElseThrow());
        assertTrue(s.message().contains("pool p1") && s.message().contains("short by 2000 mCPU, 232 MiB"), s.message());
        assertTrue(hold(r("ask2", "t2", "p1", 4_000, 3_000, s.fitsAt().orElseThrow(), Duration.ofHours(1))).granted(),
                "the earliest fit really fits");
        assertEquals(List.of(), CalendarLedger.read(fixture, "p1").mismatches(), "the denied hold booked nothing");
    }

    @Test
    void noFitWithinTheWaitBudgetMeansNoRetryTime() {
        assertTrue(hold(r("wall", "t1", "p1", 8_000, 1, T0, Duration.ofHours(6))).granted());
        Shortfall s = assertInstanceOf(Admission.Denied.class, hold(r("x", "t2", "p1", 1, 1, T0, Duration.ofMinutes(15)))).shortfall();
        assertTrue(s.fitsAt().isEmpty(), "the wall lasts 6 h, beyond the 2 h wait budget");
        assertEquals(new Resources(0, 32_767), s.available());
    }

    @Test
    void teamCapLimitsOneTeamAndIsReported() {
        assertTrue(hold(r("c1", "capped", "p2", 1_500, 1_000, T0, Duration.ofMinutes(15))).granted());
        Shortfall s = assertInstanceOf(Admission.Denied.class, hold(r("c2", "capped", "p2", 1_000, 1_000, T0, Duration.ofMinutes(15))))
                .shortfall();
        assertEquals(Shortfall.Limit.TEAM, s.limit());
        assertEquals(new Resources(500, 3_096), s.available());
        assertEquals(new Resources(500, 0), s.shortfall());
        assertTrue(hold(r("o1", "other", "p2", 6_000, 1_000, T0, Duration.ofMinutes(15))).granted(), "other teams use the rest of the pool");
    }

    @Test
    void extendBooksOnlyNewSlicesAndIsDeniedWithFacts() {
        Reservation a = r("a", "t1", "p1", 5_000, 1_000, T0, Duration.ofMinutes(30));
        hold(a);
        hold(r("b", "t2", "p1", 4_000, 1_000, T0.plus(Duration.ofMinutes(45)), Duration.ofMinutes(15)));
        Admission.Granted g = assertInstanceOf(Admission.Granted.class, calendar().extend(a, T0.plus(Duration.ofMinutes(45))).await().atMost(WAIT));
        assertEquals(T0.plus(Duration.ofMinutes(45)), g.reservation().end());
        Shortfall s = assertInstanceOf(Admission.Denied.class, calendar().extend(a, T0.plus(Duration.ofMinutes(60))).await().atMost(WAIT))
                .shortfall();
        assertEquals(T0.plus(Duration.ofMinutes(45)), s.slice().start());
        assertEquals(new Resources(1_000, 0), s.shortfall());
        assertEquals(List.of(), CalendarLedger.read(fixture, "p1").mismatches());
        assertEquals(new Admission.Gone("zz", ReservationState.UNKNOWN),
                calendar().extend(r("zz", "t1", "p1", 1, 1, T0, Duration.ofMinutes(1)), T0.plus(Duration.ofHours(1))).await().atMost(WAIT));
    }

    @Test
    void sweeperReversesExpiredHoldsButNotCommittedOnes() throws InterruptedException {
        Reservation held = r("held", "t1", "p1", 2_000, 100, T0, Duration.ofHours(1));
        Reservation kept = r("kept", "t1", "p1", 1_000, 100, T0, Duration.ofHours(1));
        calendar().hold(held, Duration.ofMillis(200)).await().atMost(WAIT);
        calendar().hold(kept, Duration.ofMillis(200)).await().atMost(WAIT);
        calendar().commit("p1", "kept").await().atMost(WAIT);
        assertEquals(0, new HoldSweeper(calendar(), fixture, TestConfig.defaults()).sweepAll().await().atMost(WAIT), "nothing expired yet");
        Thread.sleep(400);
        assertTrue(CalendarLedger.read(fixture, "p1").slices().values().stream().allMatch(v -> v[0] == 3_000),
                "an expired hold still counts until swept (never under-counts)");
        assertEquals(1, new HoldSweeper(calendar(), fixture, TestConfig.defaults()).sweepAll().await().atMost(WAIT));
        CalendarLedger ledger = CalendarLedger.read(fixture, "p1");
        assertTrue(ledger.slices().values().stream().allMatch(v -> v[0] == 1_000 && v[1] == 100), "only the committed one remains");
        assertEquals(List.of(), ledger.mismatches());
        assertEquals(ReservationState.EXPIRED, calendar().commit("p1", "held").await().atMost(WAIT), "too late to commit");
        assertEquals(new Admission.Gone("held", ReservationState.EXPIRED), hold(held));
        assertEquals(0, calendar().sweep("p1").await().atMost(WAIT));
    }

    @Test
    void commitOfAnExpiredUnsweptHoldReversesIt() throws InterruptedException {
        calendar().hold(r("h", "t1", "p1", 2_000, 100, T0, Duration.ofHours(1)), Duration.ofMillis(100)).await().atMost(WAIT);
        Thread.sleep(250);
        assertEquals(ReservationState.EXPIRED, calendar().commit("p1", "h").await().atMost(WAIT));
        assertTrue(CalendarLedger.read(fixture, "p1").slices().isEmpty());
    }

    @Test
    void availableSlotsFitAroundBookings() {
        hold(r("busy", "t1", "p1", 6_000, 1, T0.plus(Duration.ofMinutes(30)), Duration.ofMinutes(30)));
        List<Instant> slots = calendar().availableSlots("p1", "t2", T0, T0.plus(Duration.ofHours(2)), new Resources(4_000, 1),
                Duration.ofMinutes(30)).await().atMost(WAIT);
        assertEquals(List.of(T0, T0.plus(Duration.ofMinutes(60)), T0.plus(Duration.ofMinutes(75)), T0.plus(Duration.ofMinutes(90)),
                T0.plus(Duration.ofMinutes(105))), slots);
        int n = 0;
        for (Instant slot : slots) {
            assertTrue(hold(r("s" + n++, "t2", "p1", 4_000, 1, slot, Duration.ofMinutes(30))).granted(), "slot " + slot + " fits");
            calendar().release("p1", "s" + (n - 1)).await().atMost(WAIT);
        }
    }

    @Test
    void unknownPoolAndBadNamesAreRefusedBeforeRedis() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> calendar().hold(r("a", "t1", "nope", 1, 1, T0, Duration.ofMinutes(1))));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> r("a}{", "t1", "p1", 1, 1, T0, Duration.ofMinutes(1)));
        assertFalse(hold(r("a", "t1", "p1", 9_000, 1, T0, Duration.ofMinutes(1))).granted(), "more than the pool has");
    }
}
