package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Runs every {@code every}, aligned to {@code anchor} (a run starts at anchor + n × every). */
public record FixedInterval(Instant anchor, Duration every) implements Recurrence {

    public FixedInterval {
        if (every.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new InvalidSchedule("an interval must be at least one minute, not " + every);
        }
    }

    @Override
    public List<Instant> occurrences(Instant from, Instant to, int limit) {
        long step = every.toSeconds();
        long behind = Math.max(0, from.getEpochSecond() - anchor.getEpochSecond());
        Instant run = anchor.plusSeconds(Math.floorDiv(behind + step - 1, step) * step);
        List<Instant> runs = new ArrayList<>();
        for (; run.isBefore(to); run = run.plusSeconds(step)) {
            if (!run.isBefore(from)) {
                if (runs.size() == limit) {
                    throw new InvalidSchedule("more than " + limit + " runs between " + from + " and " + to);
                }
                runs.add(run);
            }
        }
        return runs;
    }
}
