package dev.pedregal.gateway.capacity.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.capacity.PoolCapacity;
import dev.pedregal.gateway.capacity.Resources;

/** Team caps from purchases, with and without a purchase requirement. */
class LedgerCapacitiesTest {

    static final Instant NOW = Instant.parse("2027-03-15T12:00:00Z");
    static final Resources TOTAL = new Resources(64_000, 262_144);

    @Test
    void dedicatedSharesAddUpToTheCapAndOnlyActiveOnesCount() {
        Map<String, PoolCapacity> pools = LedgerCapacities.capacities(List.of(pool("eu-prod")), List.of(
                dedicated("analytics", "eu-prod", 4_000, 16_384, "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z"),
                dedicated("analytics", "eu-prod", 1_000, 1_024, "2027-03-15T00:00:00Z", "2027-03-16T00:00:00Z"),
                dedicated("analytics", "eu-prod", 9_000, 9_000, "2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z")),
                NOW, pool -> false);
        PoolCapacity euProd = pools.get("eu-prod");
        assertEquals(TOTAL, euProd.total());
        assertEquals(Optional.of(new Resources(5_000, 17_408)), euProd.teamCap("analytics"), "the ended share is not counted");
        assertEquals(Optional.empty(), euProd.teamCap("marketing"), "no purchase, none required: only the pool bounds it");
    }

    @Test
    void whereAPurchaseIsRequiredATeamWithoutOneHasNoCapacityAndABudgetAloneOpensThePool() {
        Purchase budget = BalanceTest.purchase("eu-prod", PurchaseKind.BUDGET, "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z");
        budget.team = "finance";
        budget.budgetMcpuSeconds = 3_600_000L;
        Purchase endedBudget = BalanceTest.purchase("eu-prod", PurchaseKind.BUDGET, "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z");
        endedBudget.team = "marketing";
        endedBudget.budgetMcpuSeconds = 3_600_000L;
        Map<String, PoolCapacity> pools = LedgerCapacities.capacities(List.of(pool("eu-prod"), pool("eu-dev")), List.of(
                dedicated("analytics", "eu-prod", 4_000, 16_384, "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z"),
                budget, endedBudget), NOW, "eu-prod"::equals);

        PoolCapacity euProd = pools.get("eu-prod");
        assertTrue(euProd.purchaseRequired());
        assertEquals(Optional.of(new Resources(4_000, 16_384)), euProd.teamCap("analytics"), "its dedicated share");
        assertEquals(Optional.of(TOTAL), euProd.teamCap("finance"), "a budget alone: the pool's free capacity");
        assertEquals(Optional.of(Resources.NONE), euProd.teamCap("marketing"), "an ended purchase buys nothing");
        assertEquals(Optional.of(Resources.NONE), euProd.teamCap("research"), "no purchase: no capacity");

        PoolCapacity euDev = pools.get("eu-dev");
        assertFalse(euDev.purchaseRequired());
        assertEquals(Optional.empty(), euDev.teamCap("research"), "not required there");
    }

    static PoolRecord pool(String name) {
        PoolRecord p = new PoolRecord();
        p.name = name;
        p.vcpuMillis = TOTAL.vcpuMillis();
        p.memoryMib = TOTAL.memoryMib();
        p.configured = true;
        return p;
    }

    static Purchase dedicated(String team, String pool, long vcpuMillis, long memoryMib, String from, String to) {
        Purchase p = BalanceTest.purchase(pool, PurchaseKind.DEDICATED, from, to);
        p.team = team;
        p.vcpuMillis = vcpuMillis;
        p.memoryMib = memoryMib;
        return p;
    }
}
