package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The schedule check on a usage snapshot, without Redis: midnight, the leap day, a month end, self-overlap. */
class ScheduleCheckTest {

    static final PoolCapacity POOL = PoolCapacity.of("p", new Resources(4_000, 16_384));
    static final Resources JOB = new Resources(2_000, 1_024);
    static final Instant FROM = Instant.parse("2028-02-20T00:00:00Z");

    static UsageWindow window() {
        Instant to = FROM.plus(ScheduleCheck.HORIZON).plus(Duration.ofDays(1));
        return UsageWindow.empty(POOL, "t", Slice.firstOf(FROM), Slice.count(FROM, to));
    }

    static void book(UsageWindow w, String from, String to, Resources size) {
        for (Slice s = Slice.firstOf(Instant.parse(from)); s.index() <= Slice.lastOf(Instant.parse(to)).index(); s = s.plus(1)) {
            w.add(s, size);
        }
    }

    static ScheduleReport check(Schedule schedule, UsageWindow w) {
        List<Instant> runs = schedule.recurrence().occurrences(FROM, FROM.plus(ScheduleCheck.HORIZON), ScheduleCheck.MAX_RUNS);
        return ScheduleCheck.check(schedule, FROM, FROM.plus(ScheduleCheck.HORIZON), runs, w);
    }

    @Test
    void runsAcrossMidnightTheLeapDayAndTheMonthEndAreCheckedSliceBySlice() {
        UsageWindow w = window();
        book(w, "2028-02-29T00:00:00Z", "2028-02-29T00:45:00Z", new Resources(3_000, 0)); // leap day, just after midnight
        book(w, "2028-03-01T00:00:00Z", "2028-03-01T00:30:00Z", new Resources(4_000, 0)); // the night February ends
        Schedule nightly = new Schedule("p", "t", CronExpression.parse("30 23 * * *"), Duration.ofHours(1), JOB);

        ScheduleReport report = check(nightly, w);
        assertEquals(30, report.runs().size());
        assertEquals(List.of(Instant.parse("2028-02-28T23:30:00Z"), Instant.parse("2028-02-29T23:30:00Z")),
                report.conflicts().stream().map(ScheduleReport.RunConflict::run).toList());

        ScheduleReport.RunConflict leap = report.conflicts().get(0);
        assertEquals(List.of(
                new ScheduleReport.SliceShortfall(Slice.of(Instant.parse("2028-02-29T00:00:00Z")), JOB, new Resources(1_000, 16_384), new Resources(1_000, 0)),
                new ScheduleReport.SliceShortfall(Slice.of(Instant.parse("2028-02-29T00:15:00Z")), JOB, new Resources(1_000, 16_384), new Resources(1_000, 0))),
                leap.slices());
        ScheduleReport.RunConflict monthEnd = report.conflicts().get(1);
        assertEquals(new Resources(0, 16_384), monthEnd.slices().get(0).available());
        assertEquals(new Resources(2_000, 0), monthEnd.slices().get(0).shortfall());

        // Nearest first, earlier before later on ties: 23:00 ends exactly at midnight.
        List<Instant> expected = List.of(Instant.parse("2028-02-28T23:00:00Z"), Instant.parse("2028-02-28T22:45:00Z"), Instant.parse("2028-02-28T22:30:00Z"));
        assertEquals(expected, leap.alternatives());
        for (ScheduleReport.RunConflict c : report.conflicts()) {
            for (Instant alternative : c.alternatives()) {
                assertTrue(w.fits(alternative, alternative.plus(nightly.duration()), JOB), alternative + " really fits");
            }
        }
        assertEquals(Optional.of(Duration.ofMinutes(-30)), report.suggestedOffset(), "every run at 23:00 instead fits");
        assertAllFit(w, report.runs(), report.suggestedOffset().orElseThrow(), nightly);
    }

    @Test
    void aScheduleThatFitsSaysSo() {
        ScheduleReport report = check(new Schedule("p", "t", new FixedInterval(FROM, Duration.ofHours(6)), Duration.ofHours(2), JOB), window());
        assertTrue(report.fits());
        assertEquals(120, report.runs().size());
        assertEquals(Optional.of(Duration.ZERO), report.suggestedOffset());
    }

    @Test
    void overlappingRunsOfTheScheduleCountAgainstEachOther() {
        // Every 15 minutes for an hour: four runs share each slice, 4 x 1500 > 4000.
        Schedule dense = new Schedule("p", "t", new FixedInterval(FROM, Duration.ofMinutes(15)), Duration.ofHours(1), new Resources(1_500, 1));
        ScheduleReport report = check(dense, window());
        assertEquals(report.runs().size(), report.conflicts().size());
        ScheduleReport.SliceShortfall s = report.conflicts().get(10).slices().get(0);
        assertEquals(new Resources(6_000, 4), s.needed());
        assertEquals(new Resources(2_000, 0), s.shortfall());
        assertEquals(Optional.empty(), report.suggestedOffset(), "no shift helps a schedule that over-books itself");
    }

    @Test
    void aTeamCapIsPartOfTheCheck() {
        PoolCapacity capped = new PoolCapacity("p", new Resources(40_000, 16_384), java.util.Map.of("t", new Resources(1_000, 16_384)));
        UsageWindow w = UsageWindow.empty(capped, "t", Slice.firstOf(FROM), Slice.count(FROM, FROM.plus(Duration.ofDays(31))));
        ScheduleReport report = check(new Schedule("p", "t", CronExpression.parse("@daily"), Duration.ofMinutes(30), JOB), w);
        assertEquals(30, report.conflicts().size());
        assertEquals(new Resources(1_000, 0), report.conflicts().get(0).slices().get(0).shortfall());
    }

    /** Books every shifted run into a copy of the snapshot and checks that no slice goes over. */
    static void assertAllFit(UsageWindow w, List<Instant> runs, Duration offset, Schedule schedule) {
        for (Instant run : runs) {
            Instant start = run.plus(offset);
            assertTrue(w.fits(start, start.plus(schedule.duration()), schedule.size()), "shifted run " + start + " fits");
            for (Slice s = Slice.firstOf(start); s.index() <= Slice.lastOf(start.plus(schedule.duration())).index(); s = s.plus(1)) {
                w.add(s, schedule.size());
            }
        }
    }
}
