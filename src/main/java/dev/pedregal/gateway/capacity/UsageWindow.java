package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.vertx.mutiny.redis.client.Response;

/**
 * A snapshot of consecutive slices of one pool — what each has booked in total and for one team — read in one
 * round trip, against the pool's capacity and the team's cap. Schedule checks and slot searches run on it in
 * plain Java. A partial snapshot ({@link #of(PoolCapacity, String, Slice, int, List, Response)}) holds only some
 * ranges of its slices; asking it about a slice it did not read fails with {@link NotRead} (the schedule check
 * then reads more), never answers with a made-up zero.
 */
public final class UsageWindow {

    private final PoolCapacity capacity;
    private final Slice first;
    private final long[] vcpu;
    private final long[] memory;
    private final long[] teamVcpu;
    private final long[] teamMemory;
    // The free-room arithmetic runs per slice in tight loops (schedule checks): the limits as plain longs.
    private final long poolVcpu;
    private final long poolMemory;
    private final boolean capped;
    private final long capVcpu;
    private final long capMemory;
    /** Which slices were read; null when all were. */
    private final boolean[] read;

    private UsageWindow(PoolCapacity capacity, String team, Slice first, int count, boolean[] read) {
        this.capacity = capacity;
        Optional<Resources> teamCap = team == null ? Optional.empty() : capacity.teamCap(team);
        this.first = first;
        this.vcpu = new long[count];
        this.memory = new long[count];
        this.teamVcpu = new long[count];
        this.teamMemory = new long[count];
        this.poolVcpu = capacity.total().vcpuMillis();
        this.poolMemory = capacity.total().memoryMib();
        this.capped = teamCap.isPresent();
        this.capVcpu = teamCap.map(Resources::vcpuMillis).orElse(0L);
        this.capMemory = teamCap.map(Resources::memoryMib).orElse(0L);
        this.read = read;
    }

    /** An all-empty window (tests, and pools with nothing booked). */
    public static UsageWindow empty(PoolCapacity capacity, String team, Slice first, int count) {
        return new UsageWindow(capacity, team, first, count, null);
    }

    /** Every slice of [first, first + count), from the {@code slices} function's reply. */
    static UsageWindow of(PoolCapacity capacity, String team, Slice first, int count, Response reply) {
        return of(capacity, team, first, count, List.of(new SliceRange(first.index(), count)), reply);
    }

    /**
     * The ranges of [first, first + count) that the {@code slices} function read, in the order it read them;
     * the other slices are unknown. Without {@link #needsTeamUsage} the reply holds pool totals only.
     */
    static UsageWindow of(PoolCapacity capacity, String team, Slice first, int count, List<SliceRange> ranges, Response reply) {
        boolean whole = ranges.size() == 1 && ranges.get(0).first() == first.index() && ranges.get(0).count() == count;
        UsageWindow window = new UsageWindow(capacity, team, first, count, whole ? null : new boolean[count]);
        boolean teamUsage = needsTeamUsage(capacity, team);
        int at = 1;
        for (SliceRange range : ranges) {
            int i = Math.toIntExact(range.first() - first.index());
            if (i < 0 || i + range.count() > count) {
                throw new IllegalArgumentException("range " + range + " is outside the window " + first + " + " + count);
            }
            for (int end = i + range.count(); i < end; i++) {
                window.vcpu[i] = reply.get(at++).toLong();
                window.memory[i] = reply.get(at++).toLong();
                if (teamUsage) {
                    window.teamVcpu[i] = reply.get(at++).toLong();
                    window.teamMemory[i] = reply.get(at++).toLong();
                }
                if (window.read != null) {
                    window.read[i] = true;
                }
            }
        }
        if (reply.size() != at) { // e.g. a library loaded by an older gateway, answering in another layout
            throw new IllegalStateException("the slices function answered " + (reply.size() - 1) + " values, not " + (at - 1));
        }
        return window;
    }

    /** Whether free room depends on the team's own usage: only under a team cap (else pool totals suffice). */
    static boolean needsTeamUsage(PoolCapacity capacity, String team) {
        return team != null && capacity.teamCap(team).isPresent();
    }

    /** A slice this partial window did not read was asked for: the caller needs a wider read. */
    static final class NotRead extends IllegalStateException {
        NotRead(Slice slice) {
            super("slice " + slice + " was not read into this partial window");
        }
    }

    /** Books {@code size} into a slice of this snapshot (what-if checks, tests). */
    public void add(Slice slice, Resources size) {
        int i = offset(slice);
        requireRead(i);
        vcpu[i] += size.vcpuMillis();
        memory[i] += size.memoryMib();
        teamVcpu[i] += size.vcpuMillis();
        teamMemory[i] += size.memoryMib();
    }

    public Slice first() {
        return first;
    }

    public Slice last() {
        return first.plus(vcpu.length - 1L);
    }

    public boolean covers(Slice slice) {
        return slice.index() >= first.index() && slice.index() <= last().index();
    }

    public PoolCapacity capacity() {
        return capacity;
    }

    /** vCPU millis still free in the slice under the pool's and the team's limits; negative when over-booked. */
    public long vcpuFree(Slice slice) {
        return vcpuFreeAt(offset(slice));
    }

    /** Memory MiB still free in the slice under the pool's and the team's limits; negative when over-booked. */
    public long memoryFree(Slice slice) {
        return memoryFreeAt(offset(slice));
    }

    /** How many slices the window spans (read or not). */
    int size() {
        return vcpu.length;
    }

    /** {@link #vcpuFree} of the slice {@code i} places after {@link #first()}. */
    long vcpuFreeAt(int i) {
        requireRead(i);
        long free = poolVcpu - vcpu[i];
        return capped ? Math.min(free, capVcpu - teamVcpu[i]) : free;
    }

    /** {@link #memoryFree} of the slice {@code i} places after {@link #first()}. */
    long memoryFreeAt(int i) {
        requireRead(i);
        long free = poolMemory - memory[i];
        return capped ? Math.min(free, capMemory - teamMemory[i]) : free;
    }

    /** Whether [start, end) of this size fits in every slice it touches. */
    public boolean fits(Instant start, Instant end, Resources size) {
        for (long s = Slice.firstOf(start).index(); s <= Slice.lastOf(end).index(); s++) {
            Slice slice = new Slice(s);
            if (vcpuFree(slice) < size.vcpuMillis() || memoryFree(slice) < size.memoryMib()) {
                return false;
            }
        }
        return true;
    }

    /** Start times in [from, to) — {@code from} and every later slice start — at which [start, start+duration) fits. */
    public List<Instant> availableStarts(Instant from, Instant to, Resources size, Duration duration) {
        List<Instant> starts = new ArrayList<>();
        for (Instant start = from; start.isBefore(to); start = Slice.of(start).end()) {
            if (fits(start, start.plus(duration), size)) {
                starts.add(start);
            }
        }
        return starts;
    }

    /** Pool usage per slice (heatmap cells). */
    public List<SliceUsage> slices() {
        List<SliceUsage> cells = new ArrayList<>(vcpu.length);
        for (int i = 0; i < vcpu.length; i++) {
            requireRead(i);
            cells.add(new SliceUsage(first.plus(i), new Resources(vcpu[i], memory[i]), capacity.total()));
        }
        return cells;
    }

    private int offset(Slice slice) {
        if (!covers(slice)) {
            throw new IllegalArgumentException("slice " + slice + " is outside the window " + first + " .. " + last().end());
        }
        return (int) (slice.index() - first.index());
    }

    private void requireRead(int i) {
        if (read != null && !read[i]) {
            throw new NotRead(first.plus(i));
        }
    }
}
