-- Issue 5 point 1 (R9): a policy's resync window is read in a time zone of its own, so that
-- "outside office hours" means the office hours of the protected site. Existing policies keep UTC.
ALTER TABLE policies ADD COLUMN resync_time_zone VARCHAR(64) DEFAULT 'UTC' NOT NULL;
