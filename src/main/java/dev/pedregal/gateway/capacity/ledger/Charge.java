package dev.pedregal.gateway.capacity.ledger;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** What one ended reservation cost: its vCPU (millis) times its actual runtime (seconds). */
@Entity
@Table(name = "capacity_charge")
public class Charge extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public String team;
    public String pool;
    @Column(name = "reservation_id")
    public String reservationId;
    @Column(name = "mcpu_seconds")
    public long mcpuSeconds;
    @Column(name = "ran_from")
    public Instant ranFrom;
    @Column(name = "ran_to")
    public Instant ranTo;
    public Instant at;
}
