-- Issue 6 point 4 (R27): the report of every test failover (a drill), kept in the store so that it
-- outlives the item's workflow (continue-as-new, a restart of the embedded Temporal) and the API.
-- A row is written when the test VM runs (ended_at null: the drill runs) and completed when the
-- clean-up ends, with the drill's duration and the operator's verdict and notes.

CREATE TABLE drill_reports (
  job_id VARCHAR(64) NOT NULL PRIMARY KEY,
  item_id VARCHAR(64) NOT NULL REFERENCES protected_items (id) ON DELETE CASCADE,
  test_vm_id VARCHAR(64) NOT NULL,
  point_id VARCHAR(64),
  point_seq BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  duration_millis BIGINT,
  verdict VARCHAR(16),
  notes VARCHAR(2000),
  cleanup_job_id VARCHAR(64),
  CONSTRAINT drill_reports_verdict_check CHECK (verdict IS NULL OR verdict IN ('passed', 'failed'))
);
CREATE INDEX drill_reports_item ON drill_reports (item_id, started_at);
