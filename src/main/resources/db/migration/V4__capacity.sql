-- Capacity: the source of truth behind the calendar in Redis (see docs/capacity.md).

-- Pools as configured (pedregal.capacity.pools.*), upserted at every start; purchases refer to them.
-- A pool removed from the configuration keeps its row (its purchases stay readable) with configured = false.
CREATE TABLE capacity_pool (
    name         TEXT        PRIMARY KEY,
    region       TEXT        NOT NULL,
    environments TEXT        NOT NULL,
    vcpu_millis  BIGINT      NOT NULL CHECK (vcpu_millis > 0),
    memory_mib   BIGINT      NOT NULL CHECK (memory_mib > 0),
    configured   BOOLEAN     NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- What a team bought in a pool for [valid_from, valid_to): a dedicated share per slice, or a vCPU-hour budget.
CREATE TABLE capacity_purchase (
    id                  UUID        PRIMARY KEY,
    team                TEXT        NOT NULL,
    pool                TEXT        NOT NULL REFERENCES capacity_pool (name),
    kind                TEXT        NOT NULL CHECK (kind IN ('DEDICATED', 'BUDGET')),
    vcpu_millis         BIGINT,
    memory_mib          BIGINT,
    budget_mcpu_seconds BIGINT,
    period              TEXT        NOT NULL CHECK (period IN ('DAILY', 'MONTHLY', 'YEARLY', 'EXPLICIT')),
    valid_from          TIMESTAMPTZ NOT NULL,
    valid_to            TIMESTAMPTZ NOT NULL,
    created_by          TEXT        NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    CHECK (valid_to > valid_from),
    CHECK ((kind = 'DEDICATED' AND vcpu_millis > 0 AND memory_mib > 0 AND budget_mcpu_seconds IS NULL)
        OR (kind = 'BUDGET' AND budget_mcpu_seconds > 0 AND vcpu_millis IS NULL AND memory_mib IS NULL))
);
CREATE INDEX capacity_purchase_team ON capacity_purchase (team, pool, valid_to);
CREATE INDEX capacity_purchase_active ON capacity_purchase (valid_to, valid_from) WHERE kind = 'DEDICATED';

-- Committed reservations of sessions, clusters and jobs; the live ones are what the calendar is rebuilt from.
CREATE TABLE capacity_reservation (
    id          TEXT        PRIMARY KEY,
    team        TEXT        NOT NULL,
    pool        TEXT        NOT NULL,
    kind        TEXT        NOT NULL CHECK (kind IN ('session', 'cluster', 'job')),
    subject     TEXT        NOT NULL,
    vcpu_millis BIGINT      NOT NULL CHECK (vcpu_millis >= 0),
    memory_mib  BIGINT      NOT NULL CHECK (memory_mib >= 0),
    start_at    TIMESTAMPTZ NOT NULL,
    end_at      TIMESTAMPTZ NOT NULL,
    state       TEXT        NOT NULL CHECK (state IN ('committed', 'released')),
    released_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK (end_at > start_at)
);
CREATE INDEX capacity_reservation_live ON capacity_reservation (pool, end_at) WHERE state = 'committed';
CREATE INDEX capacity_reservation_team ON capacity_reservation (team, created_at DESC);

-- What a reservation cost: vCPU (in millis) times its actual runtime in seconds, one charge per reservation.
CREATE TABLE capacity_charge (
    id             BIGSERIAL   PRIMARY KEY,
    team           TEXT        NOT NULL,
    pool           TEXT        NOT NULL,
    reservation_id TEXT        NOT NULL UNIQUE REFERENCES capacity_reservation (id),
    mcpu_seconds   BIGINT      NOT NULL CHECK (mcpu_seconds >= 0),
    ran_from       TIMESTAMPTZ NOT NULL,
    ran_to         TIMESTAMPTZ NOT NULL,
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX capacity_charge_team ON capacity_charge (team, pool, at);
