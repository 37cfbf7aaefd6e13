package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * {@link CapacityCalendar#reserve}: a hold and its commit in one Redis call, answering what hold then commit
 * would, idempotent by id, and never booking twice — also when the same id races with itself.
 */
class CalendarReserveTest {

    static final Duration WAIT = CalendarFixture.WAIT;
    static final Resources POOL = new Resources(8_000, 32_768);
    static final Instant T0 = Slice.of(Instant.now()).start().plus(Duration.ofHours(1));
    static CalendarFixture fixture;

    @BeforeAll
    static void start() {
        fixture = new CalendarFixture(26384);
        fixture.pool(PoolCapacity.of("p1", POOL));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @BeforeEach
    void empty() {
        fixture.reset();
    }

    static Reservation r(String id, long cpu, Instant start, Duration length) {
        return new Reservation(id, "t1", "p1", new Resources(cpu, 1_024), start, start.plus(length));
    }

    Admission reserve(Reservation r) {
        return fixture.calendar.reserve(r).await().atMost(WAIT);
    }

    long heldIds() {
        return fixture.command(Request.cmd(Command.ZCARD).arg(CalendarKeys.holds("p1"))).toLong();
    }

    @Test
    void reserveBooksCommittedAtOnceAndARetryBooksNothing() {
        Reservation a = r("a", 3_000, T0, Duration.ofHours(1));
        assertEquals(new Admission.Granted(a, ReservationState.COMMITTED, false), reserve(a));
        assertEquals(0, heldIds(), "never a hold the sweeper could reverse");
        assertEquals(new Admission.Granted(a, ReservationState.COMMITTED, true), reserve(a), "a retry is repeated");
        assertEquals(new Admission.Granted(a, ReservationState.COMMITTED, true), fixture.calendar.hold(a).await().atMost(WAIT));
        assertEquals(ReservationState.COMMITTED, fixture.calendar.commit("p1", "a").await().atMost(WAIT));

        CalendarLedger ledger = CalendarLedger.read(fixture, "p1");
        assertEquals(4, ledger.slices().size());
        assertTrue(ledger.slices().values().stream().allMatch(v -> v[0] == 3_000 && v[1] == 1_024), "each slice counts it once");
        assertEquals(List.of(), ledger.mismatches());
        assertEquals(0, new HoldSweeper(fixture.calendar, fixture, TestConfig.defaults()).sweepAll().await().atMost(WAIT));

        assertEquals(ReservationState.RELEASED, fixture.calendar.release("p1", "a").await().atMost(WAIT));
        assertEquals(new Admission.Gone("a", ReservationState.RELEASED), reserve(a), "a late retry cannot re-book it");
        assertTrue(CalendarLedger.read(fixture, "p1").slices().isEmpty());
    }

    @Test
    void reserveCommitsAnIdStillHeldAndIsGoneForAnExpiredOne() throws InterruptedException {
        Reservation held = r("held", 2_000, T0, Duration.ofMinutes(30));
        assertEquals(ReservationState.HELD, ((Admission.Granted) fixture.calendar.hold(held).await().atMost(WAIT)).state());
        assertEquals(new Admission.Granted(held, ReservationState.COMMITTED, true), reserve(held));
        assertEquals(0, heldIds(), "committed: no longer among the holds");
        assertTrue(CalendarLedger.read(fixture, "p1").slices().values().stream().allMatch(v -> v[0] == 2_000), "booked once");

        Reservation lapsed = r("lapsed", 1_000, T0, Duration.ofMinutes(30));
        fixture.calendar.hold(lapsed, Duration.ofMillis(100)).await().atMost(WAIT);
        Thread.sleep(250);
        assertEquals(new Admission.Gone("lapsed", ReservationState.EXPIRED), reserve(lapsed));
        CalendarLedger ledger = CalendarLedger.read(fixture, "p1");
        assertTrue(ledger.slices().values().stream().allMatch(v -> v[0] == 2_000), "the lapsed hold was reversed, not committed");
        assertEquals(List.of(), ledger.mismatches());
    }

    @Test
    void aDeniedReserveBooksNothingAndNamesTheShortfall() {
        assertTrue(reserve(r("big", 6_000, T0.plus(Duration.ofMinutes(30)), Duration.ofMinutes(30))).granted());
        Admission.Denied denied = assertInstanceOf(Admission.Denied.class, reserve(r("ask", 4_000, T0, Duration.ofHours(1))));
        assertEquals(T0.plus(Duration.ofMinutes(30)), denied.shortfall().slice().start());
        assertEquals(new Resources(2_000, 0), denied.shortfall().shortfall());
        assertEquals(T0.plus(Duration.ofHours(1)), denied.shortfall().fitsAt().orElseThrow());
        assertEquals(List.of(), CalendarLedger.read(fixture, "p1").mismatches(), "nothing of the denied one was booked");
    }

    @Test
    void theSameIdRacingWithItselfIsBookedOnce() {
        Reservation a = r("racer", 1_000, T0, Duration.ofHours(4));
        List<Uni<Admission>> calls = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            calls.add(fixture.calendar.reserve(a));
        }
        List<Admission> answers = Uni.join().all(calls).andFailFast().await().atMost(WAIT);
        assertEquals(1, answers.stream().filter(x -> x instanceof Admission.Granted g && !g.repeated()).count(), "one booking");
        assertTrue(answers.stream().allMatch(x -> x instanceof Admission.Granted g && g.state() == ReservationState.COMMITTED));
        CalendarLedger ledger = CalendarLedger.read(fixture, "p1");
        assertEquals(16, ledger.slices().size());
        assertTrue(ledger.slices().values().stream().allMatch(v -> v[0] == 1_000), "16 slices, each counting it once");
    }

    @Test
    void manyIdsRacingForTheLastRoomNeverOverBook() {
        List<Uni<Admission>> calls = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            calls.add(fixture.calendar.reserve(r("c" + i, 1_000, T0, Duration.ofHours(4))));
        }
        List<Admission> answers = Uni.join().all(calls).andFailFast().await().atMost(WAIT);
        assertEquals(8, answers.stream().filter(Admission::granted).count(), "8 vCPU of room, 1 vCPU each");
        CalendarLedger ledger = CalendarLedger.read(fixture, "p1");
        assertEquals(List.of(), ledger.overBooked(POOL));
        assertEquals(List.of(), ledger.mismatches());
        assertTrue(ledger.slices().values().stream().allMatch(v -> v[0] == 8_000));
    }

    @Test
    void anOlderLibraryThatOnlyHoldsStillEndsCommitted() {
        // What a gateway of the previous version loads into the same Redis: hold without the commit flag.
        String library = LibraryVariants.older(code -> code.replace("local commit_now = args[15] == '1'", "local commit_now = false")).code();
        try {
            fixture.command(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(library));
            Reservation a = r("old", 1_000, T0, Duration.ofHours(1));
            assertEquals(new Admission.Granted(a, ReservationState.COMMITTED, false), reserve(a));
            assertEquals(0, heldIds(), "committed, not left to the sweeper");
            assertEquals(List.of(), CalendarLedger.read(fixture, "p1").mismatches());
        } finally {
            fixture.calendar.start().await().atMost(WAIT);
        }
    }

    @Test
    void aSliceKeyGetsItsExpiryWhenCreatedAgainAfterEmptying() {
        Reservation a = r("a", 1_000, T0, Duration.ofMinutes(15));
        String key = CalendarKeys.slicePrefix("p1") + Slice.of(T0).index();
        reserve(a);
        long retention = TestConfig.defaults().retention().toSeconds();
        long expected = Slice.of(T0).end().getEpochSecond() + retention - Instant.now().getEpochSecond();
        long ttl = fixture.command(Request.cmd(Command.TTL).arg(key)).toLong();
        assertTrue(ttl > expected - 60 && ttl <= expected, "expires a retention after the slice ends: " + ttl + " vs " + expected);

        fixture.calendar.release("p1", "a").await().atMost(WAIT);
        assertEquals(0, fixture.command(Request.cmd(Command.EXISTS).arg(key)).toLong(), "emptied: the key is gone");
        reserve(r("b", 1_000, T0, Duration.ofMinutes(15)));
        ttl = fixture.command(Request.cmd(Command.TTL).arg(key)).toLong();
        assertTrue(ttl > expected - 60 && ttl <= expected, "created again, with its expiry: " + ttl);
    }

    @Test
    void aChangedRetentionReachesAnExistingSliceKeyAtItsNextWriteAndOnlyThen() {
        String key = CalendarKeys.slicePrefix("p1") + Slice.of(T0).index();
        long sliceEnd = Slice.of(T0).end().getEpochSecond();
        reserve(r("a", 1_000, T0, Duration.ofMinutes(15)));
        assertExpiresAt(key, sliceEnd + Duration.ofDays(1).toSeconds());

        // The same retention: the key's expiry is left alone (no EXPIREAT on the hot path).
        fixture.command(Request.cmd(Command.EXPIREAT).arg(key).arg(sliceEnd + 12_345));
        reserve(r("b", 1_000, T0, Duration.ofMinutes(15)));
        assertExpiresAt(key, sliceEnd + 12_345);

        // pedregal.capacity.retention raised, then lowered: the next booking, then the next release, set it anew.
        CapacityCalendar longer = new CapacityCalendar(fixture.functions, TestConfig.defaults().withRetention(Duration.ofDays(3)), fixture, null);
        assertTrue(longer.reserve(r("c", 1_000, T0, Duration.ofMinutes(15))).await().atMost(WAIT).granted());
        assertExpiresAt(key, sliceEnd + Duration.ofDays(3).toSeconds());
        CapacityCalendar shorter = new CapacityCalendar(fixture.functions, TestConfig.defaults().withRetention(Duration.ofHours(2)), fixture, null);
        assertEquals(ReservationState.RELEASED, shorter.release("p1", "a").await().atMost(WAIT));
        assertExpiresAt(key, sliceEnd + Duration.ofHours(2).toSeconds());
        assertEquals(List.of(), CalendarLedger.read(fixture, "p1").mismatches(), "b and c still counted, once");
    }

    @Test
    void releasingFromASliceWhoseKeyExpiredWritesNothingThere() {
        Reservation a = r("a", 1_000, T0, Duration.ofMinutes(30));
        reserve(a);
        String gone = CalendarKeys.slicePrefix("p1") + Slice.of(T0).index();
        // As after a retention shorter than the one the key was written with: the key expired before the slice was past.
        fixture.command(Request.cmd(Command.DEL).arg(gone));
        assertEquals(ReservationState.RELEASED, fixture.calendar.release("p1", "a").await().atMost(WAIT));
        assertEquals(0, fixture.command(Request.cmd(Command.EXISTS).arg(gone)).toLong(), "no key of negative totals (and no expiry)");
        assertTrue(CalendarLedger.read(fixture, "p1").slices().isEmpty(), "the other slice emptied and gone");
    }

    private void assertExpiresAt(String key, long epochSecond) {
        assertEquals(epochSecond, fixture.command(Request.cmd(Command.EXPIRETIME).arg(key)).toLong(), key);
    }
}
