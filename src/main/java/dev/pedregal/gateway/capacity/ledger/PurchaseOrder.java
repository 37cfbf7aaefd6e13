package dev.pedregal.gateway.capacity.ledger;

import dev.pedregal.gateway.capacity.Resources;

/**
 * A validated purchase to record: a dedicated {@code share} (budget 0) or a {@code budgetMcpuSeconds} (share none)
 * in a pool, for a validity.
 */
public record PurchaseOrder(String team, String pool, PurchaseKind kind, Resources share, long budgetMcpuSeconds,
        Period period, Period.Validity validity) {

    public PurchaseOrder {
        boolean dedicated = kind == PurchaseKind.DEDICATED;
        if (dedicated ? share.vcpuMillis() <= 0 || share.memoryMib() <= 0 || budgetMcpuSeconds != 0
                : budgetMcpuSeconds <= 0 || !share.isZero()) {
            throw new IllegalArgumentException("a " + kind + " purchase of " + share + " and " + budgetMcpuSeconds
                    + " mCPU-seconds is inconsistent");
        }
    }
}
