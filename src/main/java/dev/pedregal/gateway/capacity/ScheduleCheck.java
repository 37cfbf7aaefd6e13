package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * Checks a schedule by expanding it over the horizon (30 days: 2,880 slices) and testing every run against the
 * calendar's current usage plus the schedule's own overlapping runs. Conflicts name the runs, slices and
 * shortfalls; suggestions (per-run alternatives and a whole-schedule shift) are computed on the same snapshot,
 * so each of them fits as long as the calendar does not change in between.
 *
 * <p>Reading the usage is most of the cost (Redis reads slice by slice), so a check reads in widening steps,
 * each one round trip, and computes the whole report on each snapshot until one holds every slice the
 * computation asked for: first only the slices the runs touch (a nightly hour: 120 of the 2,932) — enough when
 * every run fits; then those and 3 hours either side of every run — enough when alternatives and a shift are
 * found nearby; then the whole window. A step that would read most of the window anyway is skipped.
 */
public final class ScheduleCheck {

    /** How far ahead a schedule is expanded. */
    public static final Duration HORIZON = Duration.ofDays(30);
    /** How far (either way) alternatives and shifts are searched: 12 hours. */
    static final int SEARCH_SLICES = 48;
    /** The second read's margin around every run: 3 hours. */
    static final int NEAR_SLICES = 12;
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
        Slice first = Slice.firstOf(from);
        int count = Slice.count(from, readTo);
        List<SliceRange> own = touched(runs, schedule.duration());
        List<List<SliceRange>> reads = new ArrayList<>();
        for (List<SliceRange> ranges : List.of(own, widened(own, NEAR_SLICES, first.index(), first.index() + count - 1))) {
            if (!ranges.isEmpty() && 2 * slices(ranges) <= count && (reads.isEmpty() || slices(ranges) > slices(reads.get(0)))) {
                reads.add(ranges);
            }
        }
        reads.add(List.of(new SliceRange(first.index(), count)));
        return check(schedule, from, to, runs, first, count, reads, 0);
    }

    // The report on the step-th read; a computation that needed a slice this read did not hold moves to the next.
    private Uni<ScheduleReport> check(Schedule schedule, Instant from, Instant to, List<Instant> runs, Slice first, int count,
            List<List<SliceRange>> reads, int step) {
        return calendar.usage(schedule.pool(), schedule.team(), first, count, reads.get(step)).chain(window -> {
            try {
                return Uni.createFrom().item(check(schedule, from, to, runs, window));
            } catch (UsageWindow.NotRead wider) {
                if (step + 1 == reads.size()) {
                    throw wider; // the whole window was read: a bug, not a case
                }
                return check(schedule, from, to, runs, first, count, reads, step + 1);
            }
        });
    }

    /** The computation itself, on a usage snapshot that covers [from, to + duration + 12 h). */
    static ScheduleReport check(Schedule schedule, Instant from, Instant to, List<Instant> runs, UsageWindow window) {
        Runs load = new Runs(window, schedule, runs);
        List<ScheduleReport.RunConflict> conflicts = new ArrayList<>();
        for (int j = 0; j < runs.size(); j++) {
            List<ScheduleReport.SliceShortfall> lacking = load.shortSlices(j);
            if (!lacking.isEmpty()) {
                conflicts.add(new ScheduleReport.RunConflict(runs.get(j), lacking, load.alternatives(j, from)));
            }
        }
        Optional<Duration> offset = conflicts.isEmpty() ? Optional.of(Duration.ZERO) : load.offsetThatFits(from);
        return new ScheduleReport(schedule, from, to, runs, List.copyOf(conflicts), offset);
    }

    /** The slices the runs touch, as ranges in order (runs come in order; overlapping ones are merged). */
    static List<SliceRange> touched(List<Instant> runs, Duration duration) {
        Ranges ranges = new Ranges();
        for (Instant run : runs) {
            ranges.add(Slice.firstOf(run).index(), Slice.lastOf(run.plus(duration)).index());
        }
        return ranges.done();
    }

    /** The ranges, each with {@code margin} slices more on both sides, kept within [lowest, highest], merged. */
    static List<SliceRange> widened(List<SliceRange> ranges, int margin, long lowest, long highest) {
        Ranges wide = new Ranges();
        for (SliceRange range : ranges) {
            wide.add(Math.max(lowest, range.first() - margin), Math.min(highest, range.last() + margin));
        }
        return wide.done();
    }

    private static int slices(List<SliceRange> ranges) {
        return ranges.stream().mapToInt(SliceRange::count).sum();
    }

    /** Builds ranges from [first, last] pairs given in order of first slice, merging those that touch or overlap. */
    private static final class Ranges {
        private final List<SliceRange> done = new ArrayList<>();
        private long first;
        private long last = Long.MIN_VALUE;

        void add(long from, long to) {
            if (last != Long.MIN_VALUE && from <= last + 1) {
                last = Math.max(last, to);
                return;
            }
            flush();
            first = from;
            last = to;
        }

        List<SliceRange> done() {
            flush();
            return done;
        }

        private void flush() {
            if (last != Long.MIN_VALUE) {
                done.add(new SliceRange(first, Math.toIntExact(last - first + 1)));
            }
        }
    }

    /**
     * The runs as slice offsets into the window, and how many of them touch each slice. Everything below works
     * on these ints and the window's free room per slice; instants are made only for what the report shows.
     */
    private static final class Runs {
        private final UsageWindow window;
        private final List<Instant> starts;
        private final long vcpu;
        private final long memory;
        /** Per run: the offsets of its first and last slice. */
        private final int[] firsts;
        private final int[] lasts;
        /** Per slice of the window: how many runs touch it. */
        private final int[] count;

        Runs(UsageWindow window, Schedule schedule, List<Instant> runs) {
            this.window = window;
            this.starts = runs;
            this.vcpu = schedule.size().vcpuMillis();
            this.memory = schedule.size().memoryMib();
            this.firsts = new int[runs.size()];
            this.lasts = new int[runs.size()];
            this.count = new int[window.size()];
            for (int j = 0; j < runs.size(); j++) {
                Instant run = runs.get(j);
                firsts[j] = offset(Slice.firstOf(run));
                lasts[j] = offset(Slice.lastOf(run.plus(schedule.duration())));
                for (int i = firsts[j]; i <= lasts[j]; i++) {
                    count[i]++;
                }
            }
        }

        List<ScheduleReport.SliceShortfall> shortSlices(int run) {
            List<ScheduleReport.SliceShortfall> out = new ArrayList<>();
            for (int i = firsts[run]; i <= lasts[run]; i++) {
                long n = count[i];
                long needC = n * vcpu;
                long needM = n * memory;
                long freeC = window.vcpuFreeAt(i);
                long freeM = window.memoryFreeAt(i);
                if (freeC < needC || freeM < needM) {
                    out.add(new ScheduleReport.SliceShortfall(window.first().plus(i), new Resources(needC, needM),
                            new Resources(Math.max(0, freeC), Math.max(0, freeM)),
                            new Resources(Math.max(0, needC - freeC), Math.max(0, needM - freeM))));
                }
            }
            return out;
        }

        /** Nearest starts (run ± k slices, not before {@code from}) where this one run fits beside the others. */
        List<Instant> alternatives(int run, Instant from) {
            List<Instant> found = new ArrayList<>();
            for (int k = 1; k <= SEARCH_SLICES && found.size() < ALTERNATIVES; k++) {
                for (int shift : new int[] {-k, k}) {
                    Instant start = starts.get(run).plusSeconds(shift * Slice.SECONDS);
                    if (found.size() < ALTERNATIVES && !start.isBefore(from) && movedRunFits(run, shift)) {
                        found.add(start);
                    }
                }
            }
            return found;
        }

        // The run moved by whole slices occupies its own slices shifted; where it overlapped itself, it no longer counts.
        private boolean movedRunFits(int run, int shift) {
            for (int i = firsts[run] + shift; i <= lasts[run] + shift; i++) {
                boolean own = i >= firsts[run] && i <= lasts[run];
                if (!fits(i, count[i] - (own ? 1 : 0) + 1)) {
                    return false;
                }
            }
            return true;
        }

        /** The smallest shift of every run at once (earlier first on ties, never before {@code from}) that fits. */
        Optional<Duration> offsetThatFits(Instant from) {
            int[] busy = busySlices();
            for (int k = 1; k <= SEARCH_SLICES; k++) {
                for (int shift : new int[] {-k, k}) {
                    if (starts.isEmpty() || starts.get(0).plusSeconds(shift * Slice.SECONDS).isBefore(from)) {
                        continue;
                    }
                    if (shiftedFits(busy, shift)) {
                        return Optional.of(Duration.ofSeconds(shift * Slice.SECONDS));
                    }
                }
            }
            return Optional.empty();
        }

        // Shifting all runs by whole slices shifts their own load with them: slice i + shift then carries count[i].
        private boolean shiftedFits(int[] busy, int shift) {
            for (int i : busy) {
                int moved = i + shift;
                if (moved < 0 || moved >= count.length || !fits(moved, count[i])) {
                    return false;
                }
            }
            return true;
        }

        /** The slices some run touches, in order. */
        private int[] busySlices() {
            int n = 0;
            for (int c : count) {
                n += c > 0 ? 1 : 0;
            }
            int[] busy = new int[n];
            for (int i = 0, b = 0; i < count.length; i++) {
                if (count[i] > 0) {
                    busy[b++] = i;
                }
            }
            return busy;
        }

        /** Whether slice i has room for n runs. */
        private boolean fits(int i, long n) {
            return window.vcpuFreeAt(i) >= n * vcpu && window.memoryFreeAt(i) >= n * memory;
        }

        private int offset(Slice s) {
            if (!window.covers(s)) {
                throw new IllegalStateException("slice " + s + " is outside the usage read for the schedule");
            }
            return (int) (s.index() - window.first().index());
        }
    }
}
