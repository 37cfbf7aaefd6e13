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
 * plain Java.
 */
public final class UsageWindow {

    private final PoolCapacity capacity;
    private final Optional<Resources> teamCap;
    private final Slice first;
    private final long[] vcpu;
    private final long[] memory;
    private final long[] teamVcpu;
    private final long[] teamMemory;

    UsageWindow(PoolCapacity capacity, String team, Slice first, long[] vcpu, long[] memory, long[] teamVcpu, long[] teamMemory) {
        this.capacity = capacity;
        this.teamCap = team == null ? Optional.empty() : capacity.teamCap(team);
        this.first = first;
        this.vcpu = vcpu;
        this.memory = memory;
        this.teamVcpu = teamVcpu;
        this.teamMemory = teamMemory;
    }

    /** An all-empty window (tests, and pools with nothing booked). */
    public static UsageWindow empty(PoolCapacity capacity, String team, Slice first, int count) {
        return new UsageWindow(capacity, team, first, new long[count], new long[count], new long[count], new long[count]);
    }

    static UsageWindow of(PoolCapacity capacity, String team, Slice first, int count, Response reply) {
        UsageWindow window = empty(capacity, team, first, count);
        for (int i = 0; i < count; i++) {
            window.vcpu[i] = reply.get(1 + 4 * i).toLong();
            window.memory[i] = reply.get(2 + 4 * i).toLong();
            window.teamVcpu[i] = reply.get(3 + 4 * i).toLong();
            window.teamMemory[i] = reply.get(4 + 4 * i).toLong();
        }
        return window;
    }

    /** Books {@code size} into a slice of this snapshot (what-if checks, tests). */
    public void add(Slice slice, Resources size) {
        int i = offset(slice);
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
        int i = offset(slice);
        long free = capacity.total().vcpuMillis() - vcpu[i];
        return teamCap.map(cap -> Math.min(free, cap.vcpuMillis() - teamVcpu[i])).orElse(free);
    }

    /** Memory MiB still free in the slice under the pool's and the team's limits; negative when over-booked. */
    public long memoryFree(Slice slice) {
        int i = offset(slice);
        long free = capacity.total().memoryMib() - memory[i];
        return teamCap.map(cap -> Math.min(free, cap.memoryMib() - teamMemory[i])).orElse(free);
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
}
