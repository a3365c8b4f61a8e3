package dev.haven.store;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Replication policies (R9). Names are unique. */
@RegisterConstructorMapper(Policy.class)
public interface PolicyDao {
  String COLUMNS =
      "id, name, copy_frequency_seconds, recovery_point_retention_hours,"
          + " app_consistent_frequency_hours, initial_replication_start, resync_window,"
          + " compression, encryption, replica_deletion, created_at, updated_at, resync_time_zone";

  @SqlUpdate(
      "INSERT INTO policies ("
          + COLUMNS
          + ") VALUES (:id, :name, :copyFrequencySeconds, :recoveryPointRetentionHours,"
          + " :appConsistentFrequencyHours, :initialReplicationStart, :resyncWindow,"
          + " :compression, :encryption, :replicaDeletion, :createdAt, :updatedAt,"
          + " :resyncTimeZone)")
  void insert(@BindMethods Policy policy);

  /** Rewrites every field but the id and the creation time. */
  @SqlUpdate(
      "UPDATE policies SET name = :name, copy_frequency_seconds = :copyFrequencySeconds,"
          + " recovery_point_retention_hours = :recoveryPointRetentionHours,"
          + " app_consistent_frequency_hours = :appConsistentFrequencyHours,"
          + " initial_replication_start = :initialReplicationStart,"
          + " resync_window = :resyncWindow, compression = :compression,"
          + " encryption = :encryption, replica_deletion = :replicaDeletion,"
          + " resync_time_zone = :resyncTimeZone,"
          + " updated_at = :updatedAt WHERE id = :id")
  int update(@BindMethods Policy policy);

  @SqlQuery("SELECT " + COLUMNS + " FROM policies WHERE id = :id")
  Optional<Policy> find(@Bind("id") String id);

  @SqlQuery("SELECT " + COLUMNS + " FROM policies WHERE name = :name")
  Optional<Policy> findByName(@Bind("name") String name);

  @SqlQuery("SELECT " + COLUMNS + " FROM policies ORDER BY name")
  List<Policy> list();

  @SqlQuery("SELECT COUNT(*) FROM policies")
  long count();
}
