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
 * <p>Reading the usage is most of the cost (Redis reads slice by slice). So a check first reads only the
 * slices its runs touch (a nightly hour: 120 of the 2,932), in one round trip; when every run fits there, that
 * is the answer. Only when some run does not fit — suggestions look up to 12 hours either way — is the whole
 * window read, in a second round trip, and the report computed again from that one snapshot.
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
        Slice first = Slice.firstOf(from);
        int count = Slice.count(from, readTo);
        List<SliceRange> touched = touched(runs, schedule.duration());
        int touchedSlices = touched.stream().mapToInt(SliceRange::count).sum();
        Uni<ScheduleReport> whole = Uni.createFrom().deferred(() -> calendar.usage(schedule.pool(), schedule.team(), from, readTo)
                .map(window -> check(schedule, from, to, runs, window)));
        if (touched.isEmpty() || touchedSlices * 2 > count) {
            return whole; // the runs cover most of the window anyway: one read of all of it
        }
        return calendar.usage(schedule.pool(), schedule.team(), first, count, touched)
                .chain(partial -> new Runs(partial, schedule, runs).allFit()
                        ? Uni.createFrom().item(check(schedule, from, to, runs, partial))
                        : whole);
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
        List<SliceRange> ranges = new ArrayList<>();
        long start = 0;
        long end = -1;
        for (Instant run : runs) {
            long first = Slice.firstOf(run).index();
            long last = Slice.lastOf(run.plus(duration)).index();
            if (end >= start && first <= end + 1) {
                end = Math.max(end, last);
                continue;
            }
            if (end >= start) {
                ranges.add(new SliceRange(start, Math.toIntExact(end - start + 1)));
            }
            start = first;
            end = last;
        }
        if (end >= start) {
            ranges.add(new SliceRange(start, Math.toIntExact(end - start + 1)));
        }
        return ranges;
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

        /** Whether every run fits, its own overlapping runs counted (reads only the runs' slices). */
        boolean allFit() {
            for (int j = 0; j < firsts.length; j++) {
                for (int i = firsts[j]; i <= lasts[j]; i++) {
                    if (!fits(i, count[i])) {
                        return false;
                    }
                }
            }
            return true;
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
