package dev.pedregal.gateway.capacity.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.capacity.Resources;

/** Balance arithmetic, thresholds, summing purchases per pool, and the cost of a runtime. */
class BalanceTest {

    static final long HOUR = PoolBalance.MCPU_SECONDS_PER_VCPU_HOUR;
    static final Instant NOW = Instant.parse("2027-03-15T12:00:00Z");
    static final Instant SINCE = Instant.parse("2027-03-01T00:00:00Z");

    static PoolBalance budget(long bought, long used) {
        return PoolBalance.of("analytics", "eu-prod", Resources.NONE, bought, used, SINCE, 20);
    }

    @Test
    void thresholdsAreOkAbove20PercentWarningAtOrBelowAndSuspendedAtZero() {
        assertEquals(Standing.Level.OK, budget(100 * HOUR, 0).level());
        assertEquals(Standing.Level.OK, budget(100 * HOUR, 79 * HOUR).level());
        assertEquals(Standing.Level.OK, budget(100 * HOUR, 80 * HOUR - 1).level(), "a hair over 20% left");
        assertEquals(Standing.Level.WARNING, budget(100 * HOUR, 80 * HOUR).level(), "exactly 20% left");
        assertEquals(Standing.Level.WARNING, budget(100 * HOUR, 100 * HOUR - 1).level());
        assertEquals(Standing.Level.SUSPENDED, budget(100 * HOUR, 100 * HOUR).level());
        assertEquals(Standing.Level.SUSPENDED, budget(100 * HOUR, 150 * HOUR).level(), "overspent by running sessions");
    }

    @Test
    void leftNeverGoesNegativeAndPercentRoundsDown() {
        PoolBalance over = budget(100 * HOUR, 150 * HOUR);
        assertEquals(0, over.leftMcpuSeconds());
        assertEquals(0, over.leftPercent());
        assertEquals(19, budget(100 * HOUR, 80 * HOUR + 1).leftPercent());
        assertEquals(25.0, PoolBalance.toVcpuHours(budget(100 * HOUR, 75 * HOUR).leftMcpuSeconds()));
    }

    @Test
    void aDedicatedShareWithoutBudgetIsOk() {
        PoolBalance dedicated = PoolBalance.of("analytics", "eu-prod", new Resources(8000, 32768), 0, 500 * HOUR, SINCE, 20);
        assertEquals(Standing.Level.OK, dedicated.level());
        assertFalse(dedicated.hasBudget());
        assertEquals("", dedicated.message());
    }

    @Test
    void messagesSayWhatIsLeftAndHowToBuy() {
        assertEquals("team analytics has 10.00 of 100.00 vCPU-hours (10%) left in pool eu-prod; ask a platform admin "
                + "to buy more before it runs out", budget(100 * HOUR, 90 * HOUR).message());
        String suspended = budget(100 * HOUR, 100 * HOUR).message();
        assertTrue(suspended.contains("has used its whole budget in pool eu-prod (100.00 of 100.00 vCPU-hours since 2027-03-01T00:00:00Z)"), suspended);
        assertTrue(suspended.contains("POST /api/v1/teams/analytics/capacity/purchases"), suspended);
        assertTrue(suspended.contains("running ones continue"), suspended);
    }

    @Test
    void standingIsPerPoolAndAPoolWithoutPurchaseIsOk() {
        Standing standing = new Standing("analytics", List.of(budget(100 * HOUR, 100 * HOUR)));
        assertEquals(Standing.Level.SUSPENDED, standing.in("eu-prod"));
        assertTrue(standing.refusal("eu-prod").isPresent());
        assertEquals(Standing.Level.OK, standing.in("us-prod"), "no purchase there: the calendar decides");
        assertTrue(standing.refusal("us-prod").isEmpty());
        assertEquals(Standing.Level.SUSPENDED, standing.level(), "the worst pool");
        assertEquals(Standing.Level.OK, Standing.unmetered("x").in("anything"));
    }

    @Test
    void activePurchasesAddUpPerPoolAndTheBudgetWindowStartsAtTheOldestActiveBudget() {
        Purchase march = purchase("eu-prod", PurchaseKind.BUDGET, "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z");
        march.budgetMcpuSeconds = 100 * HOUR;
        Purchase topUp = purchase("eu-prod", PurchaseKind.BUDGET, "2027-03-10T00:00:00Z", "2027-03-20T00:00:00Z");
        topUp.budgetMcpuSeconds = 50 * HOUR;
        Purchase ended = purchase("eu-prod", PurchaseKind.BUDGET, "2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z");
        ended.budgetMcpuSeconds = 999 * HOUR;
        Purchase share = purchase("eu-prod", PurchaseKind.DEDICATED, "2027-03-15T00:00:00Z", "2027-03-16T00:00:00Z");
        share.vcpuMillis = 4000L;
        share.memoryMib = 16384L;
        Purchase share2 = purchase("eu-prod", PurchaseKind.DEDICATED, "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z");
        share2.vcpuMillis = 1000L;
        share2.memoryMib = 1024L;
        Purchase notYet = purchase("us-prod", PurchaseKind.DEDICATED, "2027-03-15T12:00:01Z", "2027-03-16T00:00:00Z");
        notYet.vcpuMillis = 1000L;
        notYet.memoryMib = 1024L;
        Purchase onlyShare = purchase("us-prod", PurchaseKind.DEDICATED, "2027-03-15T12:00:00Z", "2027-03-16T00:00:00Z");
        onlyShare.vcpuMillis = 2000L;
        onlyShare.memoryMib = 2048L;

        Map<String, PurchaseTotals> totals = PurchaseTotals.of(List.of(march, topUp, ended, share, share2, notYet, onlyShare), NOW);

        PurchaseTotals eu = totals.get("eu-prod");
        assertEquals(150 * HOUR, eu.budgetMcpuSeconds(), "the ended February budget does not count");
        assertEquals(new Resources(5000, 17408), eu.dedicated());
        assertEquals(Instant.parse("2027-03-01T00:00:00Z"), eu.since());
        PurchaseTotals us = totals.get("us-prod");
        assertEquals(new Resources(2000, 2048), us.dedicated(), "valid from exactly now counts, from a second later not");
        assertEquals(0, us.budgetMcpuSeconds());
        assertEquals(Instant.parse("2027-03-01T00:00:00Z"), us.since(), "no budget: usage shown since the month began");
    }

    @Test
    void aRuntimeCostsItsVcpuTimesItsSecondsAStartedSecondInFull() {
        Instant start = Instant.parse("2027-03-15T10:00:00Z");
        assertEquals(2000L * 3600, CapacityLedger.cost(2000, start, start.plusSeconds(3600)));
        assertEquals(1000L, CapacityLedger.cost(1000, start, start.plusMillis(1)));
        assertEquals(0L, CapacityLedger.cost(1000, start, start.minusSeconds(60)), "ended before it started: free");
    }

    @Test
    void aPurchaseOrderIsEitherAShareOrABudget() {
        Period.Validity v = Period.MONTHLY.from(java.time.LocalDate.of(2027, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new PurchaseOrder("a", "p", PurchaseKind.BUDGET,
                new Resources(1000, 1024), HOUR, Period.MONTHLY, v));
        assertThrows(IllegalArgumentException.class, () -> new PurchaseOrder("a", "p", PurchaseKind.DEDICATED,
                new Resources(1000, 0), 0, Period.MONTHLY, v));
    }

    static Purchase purchase(String pool, PurchaseKind kind, String from, String to) {
        Purchase p = new Purchase();
        p.id = UUID.randomUUID();
        p.team = "analytics";
        p.pool = pool;
        p.kind = kind;
        p.period = Period.EXPLICIT;
        p.validFrom = Instant.parse(from);
        p.validTo = Instant.parse(to);
        return p;
    }
}
