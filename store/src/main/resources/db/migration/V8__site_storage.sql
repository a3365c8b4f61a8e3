-- A cloud site's object store (issue 8): where source agents write the replicated disks as
-- encrypted objects. A table of its own so that the sites table and its record stay as they were.
CREATE TABLE site_storage (
  site_id VARCHAR(64) NOT NULL PRIMARY KEY,
  location VARCHAR(1000) NOT NULL,
  CONSTRAINT site_storage_site FOREIGN KEY (site_id) REFERENCES sites (id) ON DELETE CASCADE
);
