package dev.pedregal.gateway.provisioning;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A team's Spark Connect cluster as stored: what was asked for, its resolved shape, and where it is in its life. */
@Entity
@Table(name = "spark_cluster")
public class SparkCluster extends PanacheEntityBase {

    @Id
    public UUID id;
    public String name;
    public String team;
    public String environment;
    public String region;
    public String template;
    @Column(name = "driver_cores")
    public int driverCores;
    @Column(name = "driver_memory_mib")
    public int driverMemoryMib;
    @Column(name = "executor_cores")
    public int executorCores;
    @Column(name = "executor_memory_mib")
    public int executorMemoryMib;
    @Column(name = "executors_min")
    public int executorsMin;
    @Column(name = "executors_max")
    public int executorsMax;
    @Column(name = "dynamic_allocation")
    public boolean dynamicAllocation;
    /** Spark configuration as a JSON object. */
    @Column(name = "spark_conf")
    public String sparkConf;
    @Column(name = "warm_drivers")
    public int warmDrivers;
    @Column(name = "min_drivers")
    public int minDrivers;
    @Column(name = "max_drivers")
    public int maxDrivers;
    @Enumerated(EnumType.STRING)
    public ClusterState state;
    public String reason;
    /** The Kubernetes cluster (or {@code local}) its drivers run on. */
    public String target;
    @Column(name = "idempotency_key")
    public String idempotencyKey;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
    @Column(name = "expires_at")
    public Instant expiresAt;
    @Column(name = "deleted_at")
    public Instant deletedAt;
    @Version
    public long version;

    public ClusterShape shape() {
        return new ClusterShape(driverCores, driverMemoryMib, executorCores, executorMemoryMib, executorsMin, executorsMax,
                dynamicAllocation, ClusterShape.confFromJson(sparkConf));
    }

    void shape(ClusterShape shape) {
        driverCores = shape.driverCores();
        driverMemoryMib = shape.driverMemoryMib();
        executorCores = shape.executorCores();
        executorMemoryMib = shape.executorMemoryMib();
        executorsMin = shape.executorsMin();
        executorsMax = shape.executorsMax();
        dynamicAllocation = shape.dynamicAllocation();
        sparkConf = ClusterShape.confToJson(shape.sparkConf());
    }

    void moveTo(ClusterState next, String why) {
        state = next;
        reason = why;
        updatedAt = Instant.now();
    }
}
