-- Haven's first schema: inventory (sites, hosts, the VM directory), replication policies and
-- site pairings, protected items with their recovery points, and jobs with their steps.
-- Times are epoch milliseconds in BIGINT columns so that the SQL stays portable between H2 and
-- PostgreSQL and no time zone conversion ever happens in the database.

CREATE TABLE sites (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  CONSTRAINT sites_name_unique UNIQUE (name),
  CONSTRAINT sites_kind_check CHECK (kind IN ('onprem', 'cloud'))
);

CREATE TABLE hosts (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  site_id VARCHAR(64) NOT NULL REFERENCES sites (id),
  name VARCHAR(200) NOT NULL,
  agent_address VARCHAR(300) NOT NULL,
  created_at BIGINT NOT NULL,
  CONSTRAINT hosts_site_name_unique UNIQUE (site_id, name)
);

-- A directory only: the agent owns the VM itself; this maps a VM id to the host that holds it.
CREATE TABLE vms (
  id VARCHAR(128) NOT NULL PRIMARY KEY,
  host_id VARCHAR(64) NOT NULL REFERENCES hosts (id),
  name VARCHAR(200) NOT NULL,
  seen_at BIGINT NOT NULL
);
CREATE INDEX vms_host ON vms (host_id);

CREATE TABLE policies (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  copy_frequency_seconds INTEGER NOT NULL,
  recovery_point_retention_hours INTEGER NOT NULL,
  app_consistent_frequency_hours INTEGER NOT NULL,
  initial_replication_start VARCHAR(64) NOT NULL,
  resync_window VARCHAR(32) NOT NULL,
  compression BOOLEAN NOT NULL,
  encryption BOOLEAN NOT NULL,
  replica_deletion VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT policies_name_unique UNIQUE (name)
);

CREATE TABLE site_pairings (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  source_site_id VARCHAR(64) NOT NULL REFERENCES sites (id),
  target_site_id VARCHAR(64) NOT NULL REFERENCES sites (id),
  policy_id VARCHAR(64) NOT NULL REFERENCES policies (id),
  created_at BIGINT NOT NULL,
  CONSTRAINT site_pairings_sites_unique UNIQUE (source_site_id, target_site_id)
);

CREATE TABLE pairing_network_mappings (
  pairing_id VARCHAR(64) NOT NULL REFERENCES site_pairings (id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  source_network VARCHAR(200) NOT NULL,
  target_network VARCHAR(200) NOT NULL,
  PRIMARY KEY (pairing_id, source_network)
);

-- active_vm_id holds vm_id while the item is not in a final state and NULL afterwards: its
-- unique constraint keeps a VM from being protected twice at once, portably (no partial index).
CREATE TABLE protected_items (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  vm_id VARCHAR(128) NOT NULL,
  active_vm_id VARCHAR(128),
  pairing_id VARCHAR(64) NOT NULL REFERENCES site_pairings (id),
  source_host_id VARCHAR(64) NOT NULL REFERENCES hosts (id),
  target_host_id VARCHAR(64) NOT NULL REFERENCES hosts (id),
  replica_vm_id VARCHAR(128),
  state VARCHAR(32) NOT NULL,
  health VARCHAR(16) NOT NULL,
  last_applied_seq BIGINT,
  last_recovery_point_at BIGINT,
  pending_bytes BIGINT,
  last_error VARCHAR(4000),
  active_site_id VARCHAR(64),
  workflow_id VARCHAR(200) NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT protected_items_active_vm_unique UNIQUE (active_vm_id)
);
CREATE INDEX protected_items_vm ON protected_items (vm_id);

CREATE TABLE recovery_points (
  item_id VARCHAR(64) NOT NULL REFERENCES protected_items (id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  id VARCHAR(40) NOT NULL,
  created_at BIGINT NOT NULL,
  app_consistent BOOLEAN NOT NULL,
  PRIMARY KEY (item_id, seq)
);
CREATE INDEX recovery_points_item_created ON recovery_points (item_id, created_at);

CREATE TABLE jobs (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  type VARCHAR(64) NOT NULL,
  item_id VARCHAR(64) REFERENCES protected_items (id) ON DELETE CASCADE,
  state VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  ended_at BIGINT,
  workflow_id VARCHAR(200),
  error VARCHAR(4000),
  CONSTRAINT jobs_state_check
    CHECK (state IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'))
);
CREATE INDEX jobs_item ON jobs (item_id);
CREATE INDEX jobs_created ON jobs (created_at);

CREATE TABLE job_steps (
  job_id VARCHAR(64) NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  name VARCHAR(200) NOT NULL,
  ordinal INTEGER NOT NULL,
  state VARCHAR(16) NOT NULL,
  started_at BIGINT,
  ended_at BIGINT,
  error VARCHAR(4000),
  PRIMARY KEY (job_id, name)
);
