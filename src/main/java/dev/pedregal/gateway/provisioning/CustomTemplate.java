package dev.pedregal.gateway.provisioning;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A template a platform admin added; its body is a {@link ClusterTemplate} as JSON. */
@Entity
@Table(name = "cluster_template")
public class CustomTemplate extends PanacheEntityBase {

    @Id
    public String name;
    public String body;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "created_at")
    public Instant createdAt;
}
