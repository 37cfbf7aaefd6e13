package dev.pedregal.gateway.capacity.ledger;

import java.time.Instant;
import java.util.Locale;

import dev.pedregal.gateway.capacity.Resources;

/**
 * A team's account in one pool where it holds an active purchase: its dedicated share, and its budget — bought,
 * used since {@code since}, left — with the standing that follows. Amounts are mCPU-seconds
 * ({@value #MCPU_SECONDS_PER_VCPU_HOUR} make one vCPU-hour).
 *
 * @param since start of the budget window: the earliest start of the active budgets (charges before it belong to
 *              budgets that ended); with no budget, the start of the current UTC month (usage shown for
 *              information only)
 */
public record PoolBalance(String team, String pool, Resources dedicated, long boughtMcpuSeconds, long usedMcpuSeconds,
        Instant since, Standing.Level level) {

    public static final long MCPU_SECONDS_PER_VCPU_HOUR = 3_600_000L;

    /**
     * The balance and its standing: without a budget (a dedicated share only) always OK; with one, SUSPENDED when
     * nothing is left, WARNING when at most {@code warningPercent} of it is left.
     */
    public static PoolBalance of(String team, String pool, Resources dedicated, long bought, long used, Instant since,
            int warningPercent) {
        long left = Math.max(0, bought - used);
        Standing.Level level;
        if (bought <= 0) {
            level = Standing.Level.OK;
        } else if (left == 0) {
            level = Standing.Level.SUSPENDED;
        } else if (left * 100 <= bought * warningPercent) {
            level = Standing.Level.WARNING;
        } else {
            level = Standing.Level.OK;
        }
        return new PoolBalance(team, pool, dedicated, bought, used, since, level);
    }

    public boolean hasBudget() {
        return boughtMcpuSeconds > 0;
    }

    public long leftMcpuSeconds() {
        return Math.max(0, boughtMcpuSeconds - usedMcpuSeconds);
    }

    /** Whole percent of the budget left (rounded down, so 19.9% shows as 19); 100 without a budget. */
    public int leftPercent() {
        return hasBudget() ? (int) (leftMcpuSeconds() * 100 / boughtMcpuSeconds) : 100;
    }

    /** What the team is told: why it is suspended or warned; empty when all is well. */
    public String message() {
        return switch (level) {
            case OK -> "";
            case WARNING -> "team " + team + " has " + hours(leftMcpuSeconds()) + " of " + hours(boughtMcpuSeconds)
                    + " vCPU-hours (" + leftPercent() + "%) left in pool " + pool + "; ask a platform admin to buy more "
                    + "before it runs out";
            case SUSPENDED -> "team " + team + " has used its whole budget in pool " + pool + " (" + hours(usedMcpuSeconds)
                    + " of " + hours(boughtMcpuSeconds) + " vCPU-hours since " + since + "): new sessions and jobs are "
                    + "refused until a platform admin records a purchase (POST /api/v1/teams/" + team
                    + "/capacity/purchases); running ones continue";
        };
    }

    /** mCPU-seconds as vCPU-hours, two decimals. */
    public static String hours(long mcpuSeconds) {
        return String.format(Locale.ROOT, "%.2f", toVcpuHours(mcpuSeconds));
    }

    public static double toVcpuHours(long mcpuSeconds) {
        return mcpuSeconds / (double) MCPU_SECONDS_PER_VCPU_HOUR;
    }
}
