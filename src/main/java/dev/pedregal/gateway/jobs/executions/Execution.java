package dev.pedregal.gateway.jobs.executions;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import dev.pedregal.gateway.jobs.ExecutionState;
import dev.pedregal.gateway.jobs.FailureClass;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * An execution's snapshot row: what was submitted (resolved), where its current attempt runs and where it is in its
 * life. Every change goes through {@link JobService}, guarded by the state machine and the {@link #version}.
 */
@Entity
@Table(name = "execution")
public class Execution extends PanacheEntityBase {

    @Id
    public UUID id;
    public String team;
    public String owner;
    public String name;
    public String environment;
    @Enumerated(EnumType.STRING)
    public ExecutionState state;
    public int attempt;
    /** The resolved spec, JSON ({@link StoredJob}). */
    public String spec;
    /** The effective Spark configuration, JSON. */
    @Column(name = "spark_conf")
    public String sparkConf;
    public String image;
    @Column(name = "spark_version")
    public String sparkVersion;
    @Column(name = "vendor_run_id")
    public String vendorRunId;
    public String target;
    @Column(name = "idempotency_key")
    public String idempotencyKey;
    @Column(name = "submitted_by")
    public String submittedBy;
    @Column(name = "submitted_at")
    public Instant submittedAt;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "finished_at")
    public Instant finishedAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
    @Column(name = "deadline_at")
    public Instant deadlineAt;
    @Column(name = "next_attempt_at")
    public Instant nextAttemptAt;
    public String reason;
    public String hint;
    @Enumerated(EnumType.STRING)
    @Column(name = "failure_class")
    public FailureClass failureClass;
    /** JSON array of the failed attempt's last driver log lines. */
    @Column(name = "last_log_lines")
    public String lastLogLines;
    @Column(name = "spark_ui_url")
    public String sparkUiUrl;
    @Column(name = "logs_url")
    public String logsUrl;
    /**
     * The replica that drives the execution while it is unfinished (its lease holder) and until when. Written at
     * insert, then only by {@link ExecutionLeases}: a state change never writes them back, so it cannot undo a
     * renewal or a takeover committed meanwhile.
     */
    @Column(name = "driven_by", updatable = false)
    public String drivenBy;
    @Column(name = "lease_until", updatable = false)
    public Instant leaseUntil;
    @Version
    public long version;
}
