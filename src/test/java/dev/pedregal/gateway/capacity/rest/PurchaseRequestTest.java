package dev.pedregal.gateway.capacity.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.capacity.PoolCapacities;
import dev.pedregal.gateway.capacity.PoolCapacity;
import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.capacity.ledger.Period;
import dev.pedregal.gateway.capacity.ledger.PoolBalance;
import dev.pedregal.gateway.capacity.ledger.PurchaseKind;
import dev.pedregal.gateway.capacity.ledger.PurchaseOrder;
import dev.pedregal.gateway.provisioning.ProvisioningFailure;

/** Validation of a purchase: every bad field named, amounts positive and within the pool, one validity. */
class PurchaseRequestTest {

    static final Instant NOW = Instant.parse("2028-02-29T10:00:00Z");
    static final PoolCapacities POOLS = new PoolCapacities() {
        @Override
        public Optional<PoolCapacity> find(String pool) {
            return "eu-prod".equals(pool) ? Optional.of(PoolCapacity.of(pool, new Resources(64_000, 262_144))) : Optional.empty();
        }

        @Override
        public Collection<String> pools() {
            return List.of("eu-prod");
        }
    };

    static CapacityApi.NewPurchase body(String pool, String kind, Double vcpu, Long memory, Double hours, String period,
            LocalDate starting, Instant from, Instant to) {
        return new CapacityApi.NewPurchase(pool, kind, vcpu, memory, hours, period, starting, from, to);
    }

    static List<String> fields(CapacityApi.NewPurchase body) {
        ProvisioningFailure.Invalid invalid = assertThrows(ProvisioningFailure.Invalid.class,
                () -> CapacityRequests.purchase("analytics", body, POOLS, NOW));
        return invalid.errors.stream().map(ProvisioningFailure.FieldError::field).toList();
    }

    @Test
    void aMonthlyBudgetFromToday() {
        PurchaseOrder order = CapacityRequests.purchase("analytics",
                body("eu-prod", "budget", null, null, 120.5, "monthly", null, null, null), POOLS, NOW);
        assertEquals(PurchaseKind.BUDGET, order.kind());
        assertEquals(Math.round(120.5 * PoolBalance.MCPU_SECONDS_PER_VCPU_HOUR), order.budgetMcpuSeconds());
        assertEquals(new Period.Validity(Instant.parse("2028-02-29T00:00:00Z"), Instant.parse("2028-03-29T00:00:00Z")),
                order.validity());
    }

    @Test
    void aDedicatedShareForAnExplicitValidity() {
        PurchaseOrder order = CapacityRequests.purchase("analytics", body("eu-prod", "DEDICATED", 8.0, 32768L, null, null,
                null, Instant.parse("2028-02-01T00:00:00Z"), Instant.parse("2028-04-01T00:00:00Z")), POOLS, NOW);
        assertEquals(new Resources(8000, 32768), order.share());
        assertEquals(Period.EXPLICIT, order.period());
    }

    @Test
    void everyBadFieldIsNamed() {
        assertEquals(List.of("pool", "kind", "period"), fields(body(null, null, null, null, null, null, null, null, null)));
        assertEquals(List.of("pool"), fields(body("nowhere", "BUDGET", null, null, 1.0, "DAILY", null, null, null)));
        assertEquals(List.of("kind"), fields(body("eu-prod", "gold", null, null, 1.0, "DAILY", null, null, null)));
        assertEquals(List.of("vcpuHours"), fields(body("eu-prod", "BUDGET", null, null, 0.0, "DAILY", null, null, null)));
        assertEquals(List.of("vcpuHours"), fields(body("eu-prod", "BUDGET", null, null, -5.0, "DAILY", null, null, null)));
        assertEquals(List.of("vcpu"), fields(body("eu-prod", "BUDGET", 2.0, null, 5.0, "DAILY", null, null, null)));
        assertEquals(List.of("vcpu", "memoryMib"), fields(body("eu-prod", "DEDICATED", -1.0, 0L, null, "DAILY", null, null, null)));
        assertEquals(List.of("vcpu"), fields(body("eu-prod", "DEDICATED", 65.0, 1024L, null, "DAILY", null, null, null)));
        assertEquals(List.of("vcpuHours"), fields(body("eu-prod", "DEDICATED", 1.0, 1024L, 3.0, "DAILY", null, null, null)));
        assertEquals(List.of("period"), fields(body("eu-prod", "BUDGET", null, null, 1.0, "weekly", null, null, null)));
        assertEquals(List.of("period"), fields(body("eu-prod", "BUDGET", null, null, 1.0, "DAILY", null, NOW, NOW.plusSeconds(60))));
        assertEquals(List.of("validTo"), fields(body("eu-prod", "BUDGET", null, null, 1.0, null, null, NOW, null)));
        assertEquals(List.of("validTo"), fields(body("eu-prod", "BUDGET", null, null, 1.0, null, null, NOW, NOW)));
        assertEquals(List.of("validTo"), fields(body("eu-prod", "BUDGET", null, null, 1.0, null, null,
                NOW.minusSeconds(7200), NOW.minusSeconds(3600))));
        assertEquals(List.of("starting"), fields(body("eu-prod", "BUDGET", null, null, 1.0, "DAILY",
                LocalDate.of(2028, 2, 28), null, null)));
    }

    @Test
    void theTeamMustBeADns1123Label() {
        ProvisioningFailure.Invalid invalid = assertThrows(ProvisioningFailure.Invalid.class, () -> CapacityRequests.purchase(
                "Bad_Team", body("eu-prod", "BUDGET", null, null, 1.0, "DAILY", null, null, null), POOLS, NOW));
        assertEquals("team", invalid.errors.get(0).field());
    }
}
