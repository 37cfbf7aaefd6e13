package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A 30-day schedule checked against real bookings in Redis, around the next leap day (its midnight and the end
 * of its February); every suggestion is then held for real, and must be granted.
 */
class ScheduleCheckRedisTest {

    static CalendarFixture fixture;
    static final Resources JOB = new Resources(2_000, 1_024);

    @BeforeAll
    static void start() {
        fixture = new CalendarFixture(26383);
        fixture.pool(PoolCapacity.of("sched", new Resources(4_000, 16_384)));
        fixture.reset();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static LocalDate nextLeapDay() {
        for (int year = LocalDate.now(ZoneOffset.UTC).getYear(); ; year++) {
            LocalDate day = LocalDate.of(year, 1, 1);
            if (day.isLeapYear() && LocalDate.of(year, 2, 20).isAfter(LocalDate.now(ZoneOffset.UTC))) {
                return LocalDate.of(year, 2, 29);
            }
        }
    }

    Admission hold(String id, Instant start, Duration length, Resources size) {
        return fixture.calendar.hold(new Reservation(id, "t", "sched", size, start, start.plus(length))).await().atMost(CalendarFixture.WAIT);
    }

    @Test
    void conflictsAreReportedAndEverySuggestionReallyFits() {
        LocalDate leap = nextLeapDay();
        Instant leapMidnight = leap.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant marchFirst = leap.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        assertTrue(hold("leap-block", leapMidnight, Duration.ofMinutes(45), new Resources(3_000, 0)).granted());
        assertTrue(hold("month-end-block", marchFirst, Duration.ofMinutes(30), new Resources(4_000, 1)).granted());
        fixture.calendar.commit("sched", "leap-block").await().atMost(CalendarFixture.WAIT);
        fixture.calendar.commit("sched", "month-end-block").await().atMost(CalendarFixture.WAIT);

        Instant from = leapMidnight.minus(Duration.ofDays(9));
        Schedule nightly = new Schedule("sched", "t", CronExpression.parse("30 23 * * *"), Duration.ofHours(1), JOB);
        ScheduleReport report = new ScheduleCheck(fixture.calendar).validate(nightly, from).await().atMost(CalendarFixture.WAIT);

        assertEquals(30, report.runs().size());
        assertEquals(List.of(leapMidnight.minus(Duration.ofMinutes(30)), marchFirst.minus(Duration.ofMinutes(30))),
                report.conflicts().stream().map(ScheduleReport.RunConflict::run).toList());
        assertEquals(new Resources(1_000, 0), report.conflicts().get(0).slices().get(0).shortfall());
        assertEquals(new Resources(2_000, 0), report.conflicts().get(1).slices().get(0).shortfall());
        assertEquals(leapMidnight, report.conflicts().get(0).slices().get(0).slice().start());

        int n = 0;
        for (ScheduleReport.RunConflict conflict : report.conflicts()) {
            assertEquals(3, conflict.alternatives().size());
            assertFalse(hold("conflict-" + n, conflict.run(), nightly.duration(), JOB).granted(), "the conflicting run itself does not fit");
            for (Instant alternative : conflict.alternatives()) {
                String id = "alt-" + n++;
                assertTrue(hold(id, alternative, nightly.duration(), JOB).granted(), "alternative " + alternative + " fits");
                fixture.calendar.release("sched", id).await().atMost(CalendarFixture.WAIT);
            }
        }

        Duration offset = report.suggestedOffset().orElseThrow();
        assertEquals(Duration.ofMinutes(-30), offset);
        List<String> held = new ArrayList<>();
        for (Instant run : report.runs()) {
            String id = "shifted-" + held.size();
            assertTrue(hold(id, run.plus(offset), nightly.duration(), JOB).granted(), "shifted run " + run.plus(offset) + " fits");
            held.add(id);
        }
        assertEquals(List.of(), CalendarLedger.read(fixture, "sched").overBooked(new Resources(4_000, 16_384)));
        held.forEach(id -> fixture.calendar.release("sched", id).await().atMost(CalendarFixture.WAIT));
    }

    @Test
    void anUnreadyPoolFailsClosedUntilRebuilt() {
        fixture.command(io.vertx.mutiny.redis.client.Request.cmd(io.vertx.mutiny.redis.client.Command.DEL).arg(CalendarKeys.ready("sched")));
        Instant start = Instant.now().plus(Duration.ofHours(2));
        org.junit.jupiter.api.Assertions.assertThrows(CapacityUnavailable.class, () -> hold("u1", start, Duration.ofMinutes(15), JOB));
        org.junit.jupiter.api.Assertions.assertThrows(CapacityUnavailable.class,
                () -> new ScheduleCheck(fixture.calendar).validate(new Schedule("sched", "t", CronExpression.parse("@daily"), Duration.ofHours(1), JOB),
                        start).await().atMost(CalendarFixture.WAIT));
        fixture.calendar.rebuild(List.of()).await().atMost(CalendarFixture.WAIT);
        assertTrue(hold("u1", start, Duration.ofMinutes(15), JOB).granted());
        fixture.calendar.release("sched", "u1").await().atMost(CalendarFixture.WAIT);
    }
}
