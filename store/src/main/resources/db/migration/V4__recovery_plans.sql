-- Issue 6 point 7 (R18): recovery plans and their runs. A plan's groups and actions are kept as
-- the JSON the operator submitted (validated by the API before it is stored), because they are
-- read and written whole. A run's report is the JSON that its workflow projects after every
-- change, so the API shows it without querying the workflow. Numbered V4 (not V3) so that a V3
-- another branch adds at the same time merges without a clash.

CREATE TABLE recovery_plans (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  body CLOB NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT recovery_plans_name_unique UNIQUE (name)
);

CREATE TABLE recovery_plan_runs (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  plan_id VARCHAR(64) NOT NULL REFERENCES recovery_plans (id) ON DELETE CASCADE,
  job_id VARCHAR(64) NOT NULL,
  workflow_id VARCHAR(200) NOT NULL,
  type VARCHAR(16) NOT NULL,
  direction VARCHAR(32) NOT NULL,
  recovery_point VARCHAR(64) NOT NULL,
  state VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  ended_at BIGINT,
  report CLOB,
  error VARCHAR(4000),
  CONSTRAINT recovery_plan_runs_state_check
    CHECK (state IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'))
);
CREATE INDEX recovery_plan_runs_plan ON recovery_plan_runs (plan_id, created_at);
