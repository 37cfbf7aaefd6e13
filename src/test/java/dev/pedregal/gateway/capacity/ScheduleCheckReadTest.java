package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * How a schedule check reads the calendar: first only the slices its runs touch, the whole 30 days only when a
 * run does not fit. Whatever it reads, the report is the one computed on a snapshot of the whole window.
 */
class ScheduleCheckReadTest {

    static final Duration WAIT = CalendarFixture.WAIT;
    static final Resources POOL = new Resources(4_000, 16_384);
    static final Resources JOB = new Resources(2_000, 1_024);
    static final Instant FROM = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1));
    static CalendarFixture fixture;
    static ScheduleCheck schedules;

    @BeforeAll
    static void start() {
        fixture = new CalendarFixture(26385);
        fixture.pool(PoolCapacity.of("sched", POOL));
        schedules = new ScheduleCheck(fixture.calendar);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @BeforeEach
    void empty() {
        fixture.reset();
    }

    static void book(String id, Instant start, Duration length, Resources size) {
        assertTrue(tryBook(id, start, length, size).granted(), id + " booked for the test");
    }

    static Admission tryBook(String id, Instant start, Duration length, Resources size) {
        return fixture.calendar.reserve(new Reservation(id, "other", "sched", size, start, start.plus(length))).await().atMost(WAIT);
    }

    /** The report computed on one read of the whole window, as the check did before it read less. */
    static ScheduleReport onWholeWindow(Schedule schedule) {
        Instant to = FROM.plus(ScheduleCheck.HORIZON);
        List<Instant> runs = schedule.recurrence().occurrences(FROM, to, ScheduleCheck.MAX_RUNS);
        UsageWindow all = fixture.calendar.usage(schedule.pool(), schedule.team(), FROM,
                to.plus(schedule.duration()).plusSeconds(ScheduleCheck.SEARCH_SLICES * Slice.SECONDS)).await().atMost(WAIT);
        return ScheduleCheck.check(schedule, FROM, to, runs, all);
    }

    /** Slices read from Redis (HMGETs, one per slice) while {@code check} runs. */
    static long slicesRead(Runnable check) {
        long before = hmgets();
        check.run();
        return hmgets() - before;
    }

    static long hmgets() {
        String stats = fixture.command(Request.cmd(Command.INFO).arg("commandstats")).toString();
        return stats.lines().filter(l -> l.startsWith("cmdstat_hmget:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("^cmdstat_hmget:calls=(\\d+),.*", "$1"))).orElse(0L);
    }

    ScheduleReport validate(Schedule schedule) {
        return schedules.validate(schedule, FROM).await().atMost(WAIT);
    }

    @Test
    void runsThatFitAreCheckedOnTheirOwnSlicesWhateverIsBookedBetween() {
        // Every afternoon full; the nightly runs never touch it.
        for (int day = 0; day < 31; day++) {
            book("afternoon-" + day, FROM.plus(Duration.ofDays(day)).plus(Duration.ofHours(12)), Duration.ofHours(3), POOL);
        }
        Schedule nightly = new Schedule("sched", "t", CronExpression.parse("30 23 * * *"), Duration.ofHours(1), JOB);
        ScheduleReport[] report = new ScheduleReport[1];
        long read = slicesRead(() -> report[0] = validate(nightly));
        assertTrue(report[0].fits());
        assertEquals(30, report[0].runs().size());
        assertEquals(30 * 4, read, "four slices per 23:30-00:30 run, nothing else");
        assertEquals(onWholeWindow(nightly), report[0]);
    }

    @Test
    void aRunThatDoesNotFitMakesTheCheckReadAroundTheRunsAndSuggestFromThere() {
        book("wall", FROM.plus(Duration.ofDays(3)).minus(Duration.ofHours(1)), Duration.ofHours(2), POOL);
        Schedule nightly = new Schedule("sched", "t", CronExpression.parse("30 23 * * *"), Duration.ofHours(1), JOB);
        ScheduleReport[] report = new ScheduleReport[1];
        long read = slicesRead(() -> report[0] = validate(nightly));
        assertFalse(report[0].fits());
        assertEquals(1, report[0].conflicts().size());
        assertEquals(3, report[0].conflicts().get(0).alternatives().size());
        assertEquals(Optional.of(Duration.ofHours(-1).minusMinutes(30)), report[0].suggestedOffset(), "22:00 ends when the wall starts");
        assertEquals(30 * 4 + 30 * (4 + 2 * ScheduleCheck.NEAR_SLICES), read, "the runs' slices, then 3 hours either side of each");
        assertEquals(onWholeWindow(nightly), report[0], "conflicts and suggestions from one snapshot");
    }

    @Test
    void suggestionsFurtherAwayMakeTheCheckReadEverything() {
        // A 9-hour wall around one night: the nearest start that fits is 5 hours away.
        book("wall", FROM.plus(Duration.ofDays(3)).minus(Duration.ofHours(4).plusMinutes(30)), Duration.ofHours(9), POOL);
        Schedule nightly = new Schedule("sched", "t", CronExpression.parse("30 23 * * *"), Duration.ofHours(1), JOB);
        ScheduleReport[] report = new ScheduleReport[1];
        long read = slicesRead(() -> report[0] = validate(nightly));
        assertEquals(1, report[0].conflicts().size());
        assertEquals(3, report[0].conflicts().get(0).alternatives().size());
        int window = Slice.count(FROM, FROM.plus(ScheduleCheck.HORIZON).plus(Duration.ofHours(13)));
        assertEquals(30 * 4 + 30 * (4 + 2 * ScheduleCheck.NEAR_SLICES) + window, read, "runs, near them, then everything");
        assertEquals(onWholeWindow(nightly), report[0]);
    }

    @Test
    void whateverTheScheduleAndTheBookingsTheReportIsTheWholeWindowOne() {
        Random random = new Random(42);
        for (int i = 0; i < 150; i++) {
            Instant start = FROM.plusSeconds(Slice.SECONDS * random.nextInt(31 * 96));
            tryBook("b" + i, start, Duration.ofMinutes(15L * (1 + random.nextInt(12))), new Resources(500L * (1 + random.nextInt(2)), 512));
        }
        List<Schedule> schedules = List.of(
                new Schedule("sched", "t", CronExpression.parse("30 23 * * *"), Duration.ofHours(1), JOB),
                new Schedule("sched", "t", CronExpression.parse("15 2 * * *"), Duration.ofMinutes(30), new Resources(1, 1)),
                new Schedule("sched", "t", CronExpression.parse("0 3 * * MON"), Duration.ofHours(3), JOB),
                new Schedule("sched", "t", CronExpression.parse("7 */4 * * *"), Duration.ofMinutes(50), new Resources(1_000, 100)),
                new Schedule("sched", "t", new FixedInterval(FROM, Duration.ofMinutes(30)), Duration.ofHours(1), new Resources(1_000, 1)),
                new Schedule("sched", "t", new FixedInterval(FROM.plusSeconds(420), Duration.ofHours(6)), Duration.ofHours(2), JOB));
        int fitting = 0;
        for (Schedule schedule : schedules) {
            ScheduleReport report = validate(schedule);
            assertEquals(onWholeWindow(schedule), report, schedule.recurrence().toString());
            fitting += report.fits() ? 1 : 0;
        }
        assertTrue(fitting > 0 && fitting < schedules.size(), "both paths taken: " + fitting + " of " + schedules.size() + " fit");
    }

    @Test
    void aPartialWindowRefusesSlicesItDidNotRead() {
        Instant at = FROM.plus(Duration.ofHours(2));
        book("x", at, Duration.ofMinutes(15), JOB);
        Slice first = Slice.of(FROM);
        UsageWindow partial = fixture.calendar.usage("sched", "t", first, 96,
                List.of(new SliceRange(Slice.of(at).index(), 2), new SliceRange(first.index(), 1))).await().atMost(WAIT);
        assertEquals(POOL.vcpuMillis() - JOB.vcpuMillis(), partial.vcpuFree(Slice.of(at)));
        assertEquals(POOL.vcpuMillis(), partial.vcpuFree(Slice.of(at).plus(1)));
        assertEquals(POOL.memoryMib(), partial.memoryFree(first));
        assertThrows(UsageWindow.NotRead.class, () -> partial.vcpuFree(first.plus(1)), "not read");
        assertThrows(UsageWindow.NotRead.class, partial::slices, "not read");
    }

    @Test
    void aReplyInAnotherLayoutFailsInsteadOfBeingMisread() {
        // A library that always answers four values a slice (as one loaded by an older gateway would).
        String library = LibraryVariants.older(code -> code.replace("if team == '*' then", "if false then")).code();
        try {
            fixture.command(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(library));
            assertThrows(IllegalStateException.class,
                    () -> fixture.calendar.slices("sched", FROM, FROM.plus(Duration.ofHours(1))).await().atMost(WAIT));
        } finally {
            fixture.calendar.start().await().atMost(WAIT);
        }
        assertEquals(4, fixture.calendar.slices("sched", FROM, FROM.plus(Duration.ofHours(1))).await().atMost(WAIT).size());
    }

    @Test
    void theSlicesOfRunsAreMergedIntoRanges() {
        Instant t = Instant.parse("2030-01-01T00:00:00Z");
        long s = Slice.of(t).index();
        assertEquals(List.of(new SliceRange(s, 4), new SliceRange(s + 96, 4)),
                ScheduleCheck.touched(List.of(t, t.plus(Duration.ofDays(1))), Duration.ofHours(1)));
        assertEquals(List.of(new SliceRange(s, 7)), ScheduleCheck.touched(
                List.of(t, t.plus(Duration.ofMinutes(15)), t.plus(Duration.ofMinutes(45))), Duration.ofHours(1)), "overlapping runs");
        assertEquals(List.of(new SliceRange(s, 8)), ScheduleCheck.touched(List.of(t, t.plus(Duration.ofHours(1))), Duration.ofHours(1)),
                "adjacent runs");
        assertEquals(List.of(new SliceRange(s, 2)), ScheduleCheck.touched(List.of(t.plusSeconds(420)), Duration.ofMinutes(15)),
                "a run off the slice grid touches two");
        assertEquals(List.of(), ScheduleCheck.touched(List.of(), Duration.ofHours(1)));

        assertEquals(List.of(new SliceRange(s - 2, 8), new SliceRange(s + 94, 8)),
                ScheduleCheck.widened(List.of(new SliceRange(s, 4), new SliceRange(s + 96, 4)), 2, 0, Long.MAX_VALUE));
        assertEquals(List.of(new SliceRange(s, 9)),
                ScheduleCheck.widened(List.of(new SliceRange(s, 2), new SliceRange(s + 6, 2)), 2, s, s + 8), "merged and clipped");
    }
}
