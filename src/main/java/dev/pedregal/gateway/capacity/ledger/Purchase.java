package dev.pedregal.gateway.capacity.ledger;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import dev.pedregal.gateway.capacity.Resources;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * A team's purchase in a pool, valid for [validFrom, validTo): a dedicated share (vCPU and memory per slice) or a
 * budget of vCPU-hours, kept in mCPU-seconds (1 vCPU-hour = 3,600,000) so runtime charges add up exactly.
 */
@Entity
@Table(name = "capacity_purchase")
public class Purchase extends PanacheEntityBase {

    @Id
    public UUID id;
    public String team;
    public String pool;
    @Enumerated(EnumType.STRING)
    public PurchaseKind kind;
    @Column(name = "vcpu_millis")
    public Long vcpuMillis;
    @Column(name = "memory_mib")
    public Long memoryMib;
    @Column(name = "budget_mcpu_seconds")
    public Long budgetMcpuSeconds;
    @Enumerated(EnumType.STRING)
    public Period period;
    @Column(name = "valid_from")
    public Instant validFrom;
    @Column(name = "valid_to")
    public Instant validTo;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "created_at")
    public Instant createdAt;

    public boolean activeAt(Instant t) {
        return new Period.Validity(validFrom, validTo).covers(t);
    }

    /** The dedicated share; none for a budget. */
    public Resources share() {
        return kind == PurchaseKind.DEDICATED ? new Resources(vcpuMillis, memoryMib) : Resources.NONE;
    }
}
