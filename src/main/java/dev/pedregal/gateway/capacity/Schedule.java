package dev.pedregal.gateway.capacity;

import java.time.Duration;

/** A recurring job of a team in a pool: when it starts, how long each run lasts, and what it needs. */
public record Schedule(String pool, String team, Recurrence recurrence, Duration duration, Resources size) {

    public Schedule {
        CalendarKeys.requireName("pool", pool);
        CalendarKeys.requireName("team", team);
        if (duration.isZero() || duration.isNegative()) {
            throw new InvalidSchedule("a run must last some time, not " + duration);
        }
        if (duration.compareTo(Duration.ofDays(1)) > 0) {
            throw new InvalidSchedule("a scheduled run may last at most a day, not " + duration);
        }
        if (size.isZero()) {
            throw new InvalidSchedule("a scheduled run must need some vCPU or memory");
        }
    }
}
