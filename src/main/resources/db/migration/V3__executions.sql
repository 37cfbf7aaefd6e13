-- Batch job executions: one snapshot row per execution (its current state), and an append-only event log.
CREATE TABLE execution (
    id               UUID        PRIMARY KEY,
    team             TEXT        NOT NULL,
    owner            TEXT        NOT NULL,
    name             TEXT        NOT NULL,
    environment      TEXT        NOT NULL,
    state            TEXT        NOT NULL,
    attempt          INT         NOT NULL,
    -- The spec as resolved (overrides applied, timeout and retry policy filled in), JSON.
    spec             TEXT        NOT NULL,
    -- The effective Spark configuration (environment defaults under the user's), JSON object.
    spark_conf       TEXT        NOT NULL,
    image            TEXT        NOT NULL,
    spark_version    TEXT        NOT NULL,
    vendor_run_id    TEXT,
    target           TEXT        NOT NULL,
    idempotency_key  TEXT,
    submitted_by     TEXT        NOT NULL,
    submitted_at     TIMESTAMPTZ NOT NULL,
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL,
    -- The timeout covers all attempts: the execution is stopped at this instant.
    deadline_at      TIMESTAMPTZ NOT NULL,
    -- While waiting between attempts: when the next attempt starts.
    next_attempt_at  TIMESTAMPTZ,
    reason           TEXT,
    hint             TEXT,
    failure_class    TEXT,
    -- The failed attempt's last driver log lines, JSON array.
    last_log_lines   TEXT,
    spark_ui_url     TEXT,
    logs_url         TEXT,
    version          BIGINT      NOT NULL DEFAULT 0
);
-- The same key (per team) is the same execution, across concurrent duplicates and gateway replicas.
CREATE UNIQUE INDEX execution_idempotency ON execution (team, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX execution_team_submitted ON execution (team, submitted_at DESC);
CREATE INDEX execution_team_name ON execution (team, name, submitted_at DESC);
CREATE INDEX execution_live ON execution (state) WHERE state IN ('SUBMITTED', 'RUNNING');

-- Every state change of an execution, never updated or deleted.
CREATE TABLE execution_event (
    id            BIGSERIAL   PRIMARY KEY,
    execution_id  UUID        NOT NULL REFERENCES execution (id),
    at            TIMESTAMPTZ NOT NULL,
    attempt       INT         NOT NULL,
    event         TEXT        NOT NULL,
    from_state    TEXT,
    to_state      TEXT        NOT NULL,
    detail        TEXT
);
CREATE INDEX execution_event_execution ON execution_event (execution_id, id);
