package dev.pedregal.gateway.capacity.ledger;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.pedregal.gateway.capacity.Resources;

/**
 * A team's purchases active at one instant, summed per pool: the dedicated shares add up to its cap, the budgets
 * to one pot, charged since the earliest of them began.
 */
record PurchaseTotals(String pool, Resources dedicated, long budgetMcpuSeconds, Instant since) {

    static Map<String, PurchaseTotals> of(List<Purchase> purchases, Instant now) {
        Map<String, PurchaseTotals> totals = new TreeMap<>();
        for (Purchase p : purchases) {
            if (!p.activeAt(now)) {
                continue;
            }
            PurchaseTotals t = totals.getOrDefault(p.pool, new PurchaseTotals(p.pool, Resources.NONE, 0, null));
            Resources share = p.share();
            long budget = p.kind == PurchaseKind.BUDGET ? p.budgetMcpuSeconds : 0;
            Instant since = p.kind == PurchaseKind.BUDGET && (t.since == null || p.validFrom.isBefore(t.since)) ? p.validFrom : t.since;
            totals.put(p.pool, new PurchaseTotals(p.pool,
                    new Resources(t.dedicated.vcpuMillis() + share.vcpuMillis(), t.dedicated.memoryMib() + share.memoryMib()),
                    t.budgetMcpuSeconds + budget, since));
        }
        totals.replaceAll((pool, t) -> t.since != null ? t : new PurchaseTotals(pool, t.dedicated, 0, monthStart(now)));
        return totals;
    }

    /** Usage of a pool without a budget is shown from the start of the current UTC month. */
    static Instant monthStart(Instant now) {
        LocalDate day = now.atZone(ZoneOffset.UTC).toLocalDate();
        return Period.midnight(day.withDayOfMonth(1));
    }

    PoolBalance balance(String team, long usedMcpuSeconds, int warningPercent) {
        return PoolBalance.of(team, pool, dedicated, budgetMcpuSeconds, usedMcpuSeconds, since, warningPercent);
    }
}
