-- Durable audit: one row per session start and end, control-plane action and refused call.
CREATE TABLE audit_event (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    request_id  TEXT        NOT NULL,
    team        TEXT,
    environment TEXT,
    user_id     TEXT,
    session_id  TEXT,
    driver_id   TEXT,
    action      TEXT        NOT NULL,
    outcome     TEXT        NOT NULL,
    reason      TEXT
);
CREATE INDEX audit_event_at ON audit_event (at DESC);
CREATE INDEX audit_event_team_at ON audit_event (team, at DESC);
