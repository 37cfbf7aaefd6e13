-- Self-service Spark Connect clusters: one row per cluster, kept after deletion (state DELETED) for history.
CREATE TABLE spark_cluster (
    id                  UUID        PRIMARY KEY,
    name                TEXT        NOT NULL,
    team                TEXT        NOT NULL,
    environment         TEXT        NOT NULL,
    region              TEXT        NOT NULL,
    template            TEXT        NOT NULL,
    driver_cores        INT         NOT NULL,
    driver_memory_mib   INT         NOT NULL,
    executor_cores      INT         NOT NULL,
    executor_memory_mib INT         NOT NULL,
    executors_min       INT         NOT NULL,
    executors_max       INT         NOT NULL,
    dynamic_allocation  BOOLEAN     NOT NULL,
    spark_conf          TEXT        NOT NULL,
    warm_drivers        INT         NOT NULL,
    min_drivers         INT         NOT NULL,
    max_drivers         INT         NOT NULL,
    state               TEXT        NOT NULL,
    reason              TEXT,
    target              TEXT,
    idempotency_key     TEXT,
    created_by          TEXT        NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    expires_at          TIMESTAMPTZ NOT NULL,
    deleted_at          TIMESTAMPTZ,
    version             BIGINT      NOT NULL DEFAULT 0
);
-- A name is an endpoint: unique among clusters that are not deleted.
CREATE UNIQUE INDEX spark_cluster_live_name ON spark_cluster (name) WHERE state NOT IN ('DELETED', 'FAILED');
CREATE UNIQUE INDEX spark_cluster_idempotency ON spark_cluster (team, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX spark_cluster_team ON spark_cluster (team, created_at DESC);
CREATE INDEX spark_cluster_expiry ON spark_cluster (expires_at) WHERE state IN ('REQUESTED', 'PROVISIONING', 'READY', 'SCALING');

-- Templates platform admins add beside the built-in sizes.
CREATE TABLE cluster_template (
    name        TEXT        PRIMARY KEY,
    body        TEXT        NOT NULL,
    created_by  TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
