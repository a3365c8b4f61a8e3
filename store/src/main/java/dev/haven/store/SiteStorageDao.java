package dev.haven.store;

import java.util.Optional;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The object store of each cloud site (issue 8): a location string such as {@code
 * file:///srv/haven/cloud-storage} or {@code s3://bucket/prefix}. It is not a secret; a backend's
 * credentials live in each agent's own configuration.
 */
public interface SiteStorageDao {

  @SqlUpdate(
      "MERGE INTO site_storage (site_id, location) KEY (site_id) VALUES (:siteId, :location)")
  void put(@Bind("siteId") String siteId, @Bind("location") String location);

  @SqlQuery("SELECT location FROM site_storage WHERE site_id = :siteId")
  Optional<String> find(@Bind("siteId") String siteId);
}
