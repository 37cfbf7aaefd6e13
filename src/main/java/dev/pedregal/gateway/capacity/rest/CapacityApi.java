package dev.pedregal.gateway.capacity.rest;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

import dev.pedregal.gateway.capacity.Resources;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The JSON of the capacity API. Sizes are {@code vcpuMillis} (1000 = one vCPU) and {@code memoryMib}; budgets are
 * vCPU-hours; instants are ISO-8601 UTC; durations ISO-8601 ({@code PT2H}) or {@code 90m}, {@code 2h}, {@code 1d}.
 */
@RegisterForReflection(targets = Resources.class)
public final class CapacityApi {

    private CapacityApi() {
    }

    /**
     * A schedule to check: {@code cron} (5 fields, UTC) or {@code every} (an interval from {@code anchor}, default
     * the UTC midnight of {@code from}), a run {@code duration} and size, in a {@code pool} or the pool of an
     * {@code environment} (and {@code region}). {@code team} defaults to the caller's only team; {@code from} to now.
     */
    public record ValidateSchedule(String team, String pool, String environment, String region, String cron,
            String every, Instant anchor, String duration, Double vcpu, Long memoryMib, Instant from) {
    }

    /** The outcome of a schedule check over 30 days. */
    public record ScheduleView(String team, String pool, boolean fits, Instant from, Instant to, int runs, Instant firstRun,
            List<Conflict> conflicts, String suggestedOffset, Long suggestedOffsetMinutes, Instant suggestedFirstRun) {
    }

    /** A run that does not fit, the slices where it lacks room, and the nearest starts where it alone would fit. */
    public record Conflict(Instant run, List<SliceShortfall> slices, List<Instant> suggestedStarts) {
    }

    public record SliceShortfall(Instant slice, Resources needed, Resources available, Resources shortfall) {
    }

    /** Start times at which a reservation of this size and duration would fit now. */
    public record Slots(String team, String pool, Resources size, String duration, Instant from, Instant to,
            List<Instant> starts) {
    }

    /** A pool's use per 15-minute slice, for a heatmap. */
    public record Slices(String pool, Resources capacity, Instant from, Instant to, List<SliceCell> slices) {
    }

    /** One heatmap cell: booked vCPU and memory, and the higher of the two as a percentage of the pool. */
    public record SliceCell(Instant start, long vcpuMillis, long memoryMib, int percent) {
    }

    /** A capacity pool. */
    public record Pool(String name, String region, List<String> environments, Resources capacity) {
    }

    /** A team's standing and balance per pool where it holds an active purchase. */
    public record Balance(String team, String standing, List<PoolAccount> pools, List<PurchaseView> activePurchases) {
    }

    /**
     * One pool of a team: its dedicated share (its cap per slice), its budget bought, used since {@code since} and
     * left, its standing, and the message that goes with it.
     */
    public record PoolAccount(String pool, Resources dedicated, double budgetVcpuHours, double usedVcpuHours,
            double leftVcpuHours, int leftPercent, Instant since, String standing, String message) {
    }

    /**
     * A purchase to record: {@code kind} DEDICATED with {@code vcpu} and {@code memoryMib} per slice, or BUDGET
     * with {@code vcpuHours}; valid for one {@code period} (DAILY, MONTHLY, YEARLY) from {@code starting}
     * (a date, default today UTC), or from {@code validFrom} to {@code validTo}.
     */
    public record NewPurchase(String pool, String kind, Double vcpu, Long memoryMib, Double vcpuHours, String period,
            LocalDate starting, Instant validFrom, Instant validTo) {
    }

    public record PurchaseView(UUID id, String team, String pool, String kind, Resources dedicated, Double vcpuHours,
            String period, Instant validFrom, Instant validTo, String createdBy, Instant createdAt) {
    }
}
