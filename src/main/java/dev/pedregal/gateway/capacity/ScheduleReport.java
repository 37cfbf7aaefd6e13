package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of checking a schedule against the calendar over its horizon.
 *
 * @param runs            start of every run in the horizon
 * @param conflicts       the runs that would not fit, with their slices and what each lacks
 * @param suggestedOffset the smallest shift (whole slices, earlier or later) that makes every run fit, if any
 *                        within the search radius; zero when the schedule already fits
 */
public record ScheduleReport(Schedule schedule, Instant from, Instant to, List<Instant> runs, List<RunConflict> conflicts,
        Optional<Duration> suggestedOffset) {

    public boolean fits() {
        return conflicts.isEmpty();
    }

    /**
     * One run that does not fit.
     *
     * @param slices       every slice of the run without room
     * @param alternatives the nearest start times (nearest first) at which this run alone would fit
     */
    public record RunConflict(Instant run, List<SliceShortfall> slices, List<Instant> alternatives) {
    }

    /**
     * A slice a run needs but that lacks room. {@code needed} counts the schedule's own runs overlapping
     * there; {@code available} is what the calendar has free under pool and team limits (never negative).
     */
    public record SliceShortfall(Slice slice, Resources needed, Resources available, Resources shortfall) {
    }
}
