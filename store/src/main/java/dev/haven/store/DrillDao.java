package dev.haven.store;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Drill reports (R27): one row per test failover, keyed by the job that started it. */
@RegisterConstructorMapper(Drill.class)
public interface DrillDao {
  String COLUMNS =
      "job_id, item_id, test_vm_id, point_id, point_seq, started_at, ended_at, duration_millis,"
          + " verdict, notes, cleanup_job_id";

  @SqlUpdate(
      "INSERT INTO drill_reports ("
          + COLUMNS
          + ") VALUES (:jobId, :itemId, :testVmId, :pointId, :pointSeq, :startedAt, :endedAt,"
          + " :durationMillis, :verdict, :notes, :cleanupJobId)")
  void insert(@BindMethods Drill drill);

  /** Completes a drill; one that ended already keeps its first end (a retried write). */
  @SqlUpdate(
      "UPDATE drill_reports SET ended_at = :endedAt, duration_millis = :durationMillis,"
          + " verdict = :verdict, notes = :notes, cleanup_job_id = :cleanupJobId"
          + " WHERE job_id = :jobId AND ended_at IS NULL")
  int end(@BindMethods Drill drill);

  /**
   * Writes the drill: a new one is inserted, a running one is completed when {@code drill} has
   * ended, and anything else is left as it is, so that a retried write changes nothing. A look-up
   * first keeps the SQL portable (no MERGE); a concurrent twin fails on the primary key.
   */
  default boolean record(Drill drill) {
    Optional<Drill> stored = find(drill.jobId());
    if (stored.isEmpty()) {
      insert(drill);
      return true;
    }
    return !drill.running() && end(drill) > 0;
  }

  @SqlQuery("SELECT " + COLUMNS + " FROM drill_reports WHERE job_id = :jobId")
  Optional<Drill> find(@Bind("jobId") String jobId);

  @SqlQuery("SELECT " + COLUMNS + " FROM drill_reports WHERE cleanup_job_id = :jobId")
  Optional<Drill> findByCleanupJob(@Bind("jobId") String jobId);

  /** The item's drills, oldest first. */
  @SqlQuery(
      "SELECT "
          + COLUMNS
          + " FROM drill_reports WHERE item_id = :itemId ORDER BY started_at, job_id")
  List<Drill> forItem(@Bind("itemId") String itemId);

  /** The item's running drill, if any. */
  @SqlQuery(
      "SELECT "
          + COLUMNS
          + " FROM drill_reports WHERE item_id = :itemId AND ended_at IS NULL"
          + " ORDER BY started_at DESC, job_id DESC")
  List<Drill> runningForItem(@Bind("itemId") String itemId);
}
