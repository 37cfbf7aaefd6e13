package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * Checks a schedule by expanding it over the horizon (30 days: 2,880 slices) and testing every run against the
 * calendar's current usage — read in one round trip — plus the schedule's own overlapping runs. Conflicts name
 * the runs, slices and shortfalls; suggestions (per-run alternatives and a whole-schedule shift) are computed
 * on the same snapshot, so each of them fits as long as the calendar does not change in between.
 */
public final class ScheduleCheck {

    /** How far ahead a schedule is expanded. */
    public static final Duration HORIZON = Duration.ofDays(30);
    /** How far (either way) alternatives and shifts are searched: 12 hours. */
    static final int SEARCH_SLICES = 48;
    /** Alternatives offered per conflicting run. */
    static final int ALTERNATIVES = 3;
    /** One run every 5 minutes for 30 days: more is not a capacity schedule. */
    static final int MAX_RUNS = 8_640;

    private final CapacityCalendar calendar;

    public ScheduleCheck(CapacityCalendar calendar) {
        this.calendar = calendar;
    }

    /** Checks the schedule's runs in [from, from + 30 days). */
    public Uni<ScheduleReport> validate(Schedule schedule, Instant from) {
        Instant to = from.plus(HORIZON);
        List<Instant> runs = schedule.recurrence().occurrences(from, to, MAX_RUNS);
        Instant readTo = to.plus(schedule.duration()).plusSeconds(SEARCH_SLICES * Slice.SECONDS);
        return calendar.usage(schedule.pool(), schedule.team(), from, readTo)
                .map(window -> check(schedule, from, to, runs, window));
    }

    /** The computation itself, on a usage snapshot that covers [from, to + duration + 12 h). */
    static ScheduleReport check(Schedule schedule, Instant from, Instant to, List<Instant> runs, UsageWindow window) {
        SelfLoad load = new SelfLoad(window, schedule, runs);
        List<ScheduleReport.RunConflict> conflicts = new ArrayList<>();
        for (Instant run : runs) {
            List<ScheduleReport.SliceShortfall> lacking = load.shortSlices(run);
            if (!lacking.isEmpty()) {
                conflicts.add(new ScheduleReport.RunConflict(run, lacking, load.alternatives(run, from)));
            }
        }
        Optional<Duration> offset = conflicts.isEmpty() ? Optional.of(Duration.ZERO) : load.offsetThatFits(from);
        return new ScheduleReport(schedule, from, to, runs, List.copyOf(conflicts), offset);
    }

    /** The calendar's free room per slice, and how many of the schedule's own runs touch each slice. */
    private static final class SelfLoad {
        private final UsageWindow window;
        private final Schedule schedule;
        private final List<Instant> runs;
        private final int[] count;
        private final Resources size;

        SelfLoad(UsageWindow window, Schedule schedule, List<Instant> runs) {
            this.window = window;
            this.schedule = schedule;
            this.runs = runs;
            this.size = schedule.size();
            this.count = new int[(int) (window.last().index() - window.first().index() + 1)];
            runs.forEach(run -> forEachSlice(run, s -> count[offset(s)]++));
        }

        List<ScheduleReport.SliceShortfall> shortSlices(Instant run) {
            List<ScheduleReport.SliceShortfall> out = new ArrayList<>();
            forEachSlice(run, s -> {
                long n = count[offset(s)];
                long needC = n * size.vcpuMillis();
                long needM = n * size.memoryMib();
                long freeC = window.vcpuFree(s);
                long freeM = window.memoryFree(s);
                if (freeC < needC || freeM < needM) {
                    out.add(new ScheduleReport.SliceShortfall(s, new Resources(needC, needM),
                            new Resources(Math.max(0, freeC), Math.max(0, freeM)),
                            new Resources(Math.max(0, needC - freeC), Math.max(0, needM - freeM))));
                }
            });
            return out;
        }

        /** Nearest starts (run ± k slices, not before {@code from}) where this one run fits beside the others. */
        List<Instant> alternatives(Instant run, Instant from) {
            long first = Slice.firstOf(run).index();
            long last = Slice.lastOf(run.plus(schedule.duration())).index();
            List<Instant> found = new ArrayList<>();
            for (int k = 1; k <= SEARCH_SLICES && found.size() < ALTERNATIVES; k++) {
                for (int shift : new int[] {-k, k}) {
                    Instant start = run.plusSeconds(shift * Slice.SECONDS);
                    if (found.size() < ALTERNATIVES && !start.isBefore(from) && movedRunFits(start, first, last)) {
                        found.add(start);
                    }
                }
            }
            return found;
        }

        private boolean movedRunFits(Instant start, long ownFirst, long ownLast) {
            boolean[] fits = {true};
            forEachSlice(start, s -> {
                boolean own = s.index() >= ownFirst && s.index() <= ownLast;
                long n = count[offset(s)] - (own ? 1 : 0) + 1;
                if (window.vcpuFree(s) < n * size.vcpuMillis() || window.memoryFree(s) < n * size.memoryMib()) {
                    fits[0] = false;
                }
            });
            return fits[0];
        }

        /** The smallest shift of every run at once (earlier first on ties, never before {@code from}) that fits. */
        Optional<Duration> offsetThatFits(Instant from) {
            for (int k = 1; k <= SEARCH_SLICES; k++) {
                for (int shift : new int[] {-k, k}) {
                    if (runs.isEmpty() || runs.get(0).plusSeconds(shift * Slice.SECONDS).isBefore(from)) {
                        continue;
                    }
                    if (shiftedFits(shift)) {
                        return Optional.of(Duration.ofSeconds(shift * Slice.SECONDS));
                    }
                }
            }
            return Optional.empty();
        }

        // Shifting all runs by whole slices shifts their own load with them: slice s then carries count[s - shift].
        private boolean shiftedFits(int shift) {
            for (int i = 0; i < count.length; i++) {
                int n = count[i];
                if (n == 0) {
                    continue;
                }
                Slice s = window.first().plus(i + (long) shift);
                if (!window.covers(s) || window.vcpuFree(s) < n * size.vcpuMillis() || window.memoryFree(s) < n * size.memoryMib()) {
                    return false;
                }
            }
            return true;
        }

        private void forEachSlice(Instant start, java.util.function.Consumer<Slice> action) {
            Slice last = Slice.lastOf(start.plus(schedule.duration()));
            for (Slice s = Slice.firstOf(start); s.index() <= last.index(); s = s.plus(1)) {
                action.accept(s);
            }
        }

        private int offset(Slice s) {
            if (!window.covers(s)) {
                throw new IllegalStateException("slice " + s + " is outside the usage read for the schedule");
            }
            return (int) (s.index() - window.first().index());
        }
    }
}
