package dev.pedregal.gateway.capacity.ledger;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A capacity pool as configured ({@code pedregal.capacity.pools.*}), upserted into the database at start. */
@Entity
@Table(name = "capacity_pool")
public class PoolRecord extends PanacheEntityBase {

    @Id
    public String name;
    public String region;
    /** Comma-separated environment names. */
    public String environments;
    @Column(name = "vcpu_millis")
    public long vcpuMillis;
    @Column(name = "memory_mib")
    public long memoryMib;
    /** False once the pool left the configuration; its purchases stay readable. */
    public boolean configured;
    @Column(name = "updated_at")
    public Instant updatedAt;

    public List<String> environmentList() {
        return environments.isEmpty() ? List.of() : Arrays.asList(environments.split(","));
    }
}
