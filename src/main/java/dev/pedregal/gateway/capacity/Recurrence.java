package dev.pedregal.gateway.capacity;

import java.time.Instant;
import java.util.List;

/** When a scheduled job starts: a cron expression or a fixed interval, always in UTC. */
public sealed interface Recurrence permits CronExpression, FixedInterval {

    /** Start times in [from, to), in order; at most {@code limit}, else {@link InvalidSchedule}. */
    List<Instant> occurrences(Instant from, Instant to, int limit);
}
