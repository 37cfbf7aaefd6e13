package dev.pedregal.gateway.capacity.ledger;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import dev.pedregal.gateway.capacity.Reservation;
import dev.pedregal.gateway.capacity.Resources;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A committed reservation as stored; the committed ones that have not ended rebuild the calendar. */
@Entity
@Table(name = "capacity_reservation")
public class ReservationRecord extends PanacheEntityBase {

    static final String COMMITTED = "committed";
    static final String RELEASED = "released";

    @Id
    public String id;
    public String team;
    public String pool;
    /** session, cluster or job. */
    public String kind;
    /** What holds it: a session id, a cluster name, an execution id. */
    public String subject;
    @Column(name = "vcpu_millis")
    public long vcpuMillis;
    @Column(name = "memory_mib")
    public long memoryMib;
    @Column(name = "start_at")
    public Instant startAt;
    @Column(name = "end_at")
    public Instant endAt;
    /** committed or released. */
    public String state;
    @Column(name = "released_at")
    public Instant releasedAt;
    @Column(name = "created_at")
    public Instant createdAt;

    public Reservation reservation() {
        return new Reservation(id, team, pool, new Resources(vcpuMillis, memoryMib), startAt, endAt);
    }
}
