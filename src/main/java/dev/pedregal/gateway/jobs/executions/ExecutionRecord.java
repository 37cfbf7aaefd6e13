package dev.pedregal.gateway.jobs.executions;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import dev.pedregal.gateway.jobs.ExecutionState;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** One state change of an execution, appended in the transaction that made it and never changed. */
@Entity
@Table(name = "execution_event")
public class ExecutionRecord extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "execution_id")
    public UUID executionId;
    public Instant at;
    public int attempt;
    /** An {@link dev.pedregal.gateway.jobs.ExecutionEvent} name, or {@code SUBMITTED} for the first row. */
    public String event;
    @Enumerated(EnumType.STRING)
    @Column(name = "from_state")
    public ExecutionState fromState;
    @Enumerated(EnumType.STRING)
    @Column(name = "to_state")
    public ExecutionState toState;
    public String detail;
}
