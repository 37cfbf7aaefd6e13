-- Which gateway replica drives an unfinished execution, and until when its lease runs (ExecutionLeases). The
-- submitting replica takes the lease, renews it while it drives, and another replica claims it once it has run
-- out. Rows from before this migration have neither: their lease counts as run out.
ALTER TABLE execution ADD COLUMN driven_by   TEXT;
ALTER TABLE execution ADD COLUMN lease_until TIMESTAMPTZ;
-- The takeover scan: unfinished executions by lease end.
CREATE INDEX execution_lease ON execution (lease_until) WHERE state IN ('SUBMITTED', 'RUNNING');
-- The renewal: the unfinished executions one replica drives.
CREATE INDEX execution_driven_by ON execution (driven_by) WHERE state IN ('SUBMITTED', 'RUNNING');
