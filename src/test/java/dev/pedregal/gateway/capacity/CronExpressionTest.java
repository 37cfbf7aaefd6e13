package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TimeZone;

import org.junit.jupiter.api.Test;

class CronExpressionTest {

    static List<Instant> runs(String cron, String from, String to) {
        return CronExpression.parse(cron).occurrences(Instant.parse(from), Instant.parse(to), 10_000);
    }

    @Test
    void dailyAtMidnightRunsOncePerDayAcrossMonthAndYearEnds() {
        List<Instant> runs = runs("0 0 * * *", "2027-12-30T00:00:00Z", "2028-01-02T00:00:00Z");
        assertEquals(List.of(Instant.parse("2027-12-30T00:00:00Z"), Instant.parse("2027-12-31T00:00:00Z"),
                Instant.parse("2028-01-01T00:00:00Z")), runs, "from is inclusive, to exclusive");
    }

    @Test
    void lastDaysOfMonthsAndTheLeapDay() {
        assertEquals(List.of(Instant.parse("2028-02-29T12:00:00Z")), runs("0 12 29 2 *", "2027-01-01T00:00:00Z", "2030-01-01T00:00:00Z"),
                "29 February exists in 2028 only");
        List<Instant> thirtyFirsts = runs("30 23 31 * *", "2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z");
        assertEquals(7, thirtyFirsts.size(), "Jan, Mar, May, Jul, Aug, Oct, Dec");
        assertEquals(Instant.parse("2028-03-31T23:30:00Z"), thirtyFirsts.get(1));
        assertEquals(30, runs("0 6 * * *", "2028-02-15T00:00:00Z", "2028-03-16T00:00:00Z").size(), "30 days across a leap February");
        assertThrows(InvalidSchedule.class, () -> CronExpression.parse("0 0 30 2 *"), "30 February never comes");
    }

    @Test
    void stepsRangesListsAndNames() {
        assertEquals(List.of("00:00", "00:20", "00:40", "01:00"), hhmm(runs("*/20 * * * *", "2028-01-01T00:00:00Z", "2028-01-01T01:01:00Z")));
        assertEquals(List.of("09:15", "13:15", "17:15"), hhmm(runs("15 9-17/4 * * *", "2028-01-01T00:00:00Z", "2028-01-02T00:00:00Z")));
        // 2028-01-03 is a Monday: MON-FRI on the first full week of 2028.
        assertEquals(5, runs("0 2 * * MON-FRI", "2028-01-03T00:00:00Z", "2028-01-10T00:00:00Z").size());
        assertEquals(runs("0 2 * * 0", "2028-01-01T00:00:00Z", "2028-02-01T00:00:00Z"), runs("0 2 * * 7", "2028-01-01T00:00:00Z", "2028-02-01T00:00:00Z"),
                "Sunday is 0 and 7");
        assertEquals(List.of(Instant.parse("2028-06-01T00:00:00Z")), runs("@monthly", "2028-05-15T00:00:00Z", "2028-06-15T00:00:00Z"));
        assertEquals(2, runs("0 0 1,15 jun *", "2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z").size());
    }

    @Test
    void bothDayFieldsRestrictedMeansEither() {
        // The 13th, or any Friday, in January 2028: Fridays 7, 14, 21, 28 plus the 13th.
        assertEquals(5, runs("0 0 13 * FRI", "2028-01-01T00:00:00Z", "2028-02-01T00:00:00Z").size());
    }

    @Test
    void utcMakesDaylightSavingIrrelevant() {
        TimeZone before = TimeZone.getDefault();
        try {
            TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
            // 2028-03-12 and 2028-11-05 are the US DST switches: still 24 hourly runs each.
            assertEquals(24, runs("0 * * * *", "2028-03-12T00:00:00Z", "2028-03-13T00:00:00Z").size());
            assertEquals(24, runs("0 * * * *", "2028-11-05T00:00:00Z", "2028-11-06T00:00:00Z").size());
            assertEquals(List.of(Instant.parse("2028-03-12T02:30:00Z")), runs("30 2 12 3 *", "2028-03-01T00:00:00Z", "2028-04-01T00:00:00Z"),
                    "02:30 exists in UTC even when it does not in New York");
        } finally {
            TimeZone.setDefault(before);
        }
    }

    @Test
    void badExpressionsAreRefusedWithTheReason() {
        for (String bad : List.of("", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *",
                "*/0 * * * *", "a * * * *", "1-2-3 * * * *", "* * * * * *")) {
            assertThrows(InvalidSchedule.class, () -> CronExpression.parse(bad), bad);
        }
        assertTrue(assertThrows(InvalidSchedule.class, () -> CronExpression.parse("61 * * * *")).getMessage().contains("minute"));
        assertThrows(InvalidSchedule.class, () -> CronExpression.parse("* * * * *")
                .occurrences(Instant.EPOCH, Instant.EPOCH.plus(Duration.ofDays(30)), 8_640), "a run every minute is too many");
    }

    @Test
    void fixedIntervalsAlignToTheirAnchor() {
        FixedInterval every90 = new FixedInterval(Instant.parse("2028-02-28T23:00:00Z"), Duration.ofMinutes(90));
        List<Instant> runs = every90.occurrences(Instant.parse("2028-02-29T00:00:00Z"), Instant.parse("2028-02-29T04:00:00Z"), 100);
        assertEquals(List.of(Instant.parse("2028-02-29T00:30:00Z"), Instant.parse("2028-02-29T02:00:00Z"), Instant.parse("2028-02-29T03:30:00Z")), runs);
        assertThrows(InvalidSchedule.class, () -> new FixedInterval(Instant.EPOCH, Duration.ofSeconds(30)));
    }

    static List<String> hhmm(List<Instant> runs) {
        return runs.stream().map(i -> i.toString().substring(11, 16)).toList();
    }
}
