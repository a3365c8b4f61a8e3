package dev.haven.store;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.sqlobject.SqlObject;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * Jobs and their steps (R28). The API creates a job when it accepts an operation; the workflow that
 * runs it records the steps and the job's state through the store activities.
 */
@RegisterConstructorMapper(Job.class)
@RegisterConstructorMapper(JobStep.class)
public interface JobDao extends SqlObject {
  String COLUMNS = "id, type, item_id, state, created_at, started_at, ended_at, workflow_id, error";
  String STEP_COLUMNS = "job_id, name, ordinal, state, started_at, ended_at, error";

  /** The states after which a job does not change any more. */
  List<String> TERMINAL_STATES = List.of("succeeded", "failed", "cancelled");

  /** Every job state, in the API's spelling. */
  List<String> STATES = List.of("queued", "running", "waiting", "succeeded", "failed", "cancelled");

  @SqlUpdate(
      "INSERT INTO jobs ("
          + COLUMNS
          + ") VALUES (:id, :type, :itemId, :state, :createdAt, :startedAt, :endedAt,"
          + " :workflowId, :error)")
  void insert(@BindMethods Job job);

  @SqlQuery("SELECT " + COLUMNS + " FROM jobs WHERE id = :id")
  Optional<Job> find(@Bind("id") String id);

  /** Writes the job's state, times and error (type, item and workflow stay). */
  @SqlUpdate(
      "UPDATE jobs SET state = :state, started_at = :startedAt, ended_at = :endedAt,"
          + " error = :error WHERE id = :id")
  int updateState(@BindMethods Job job);

  @SqlUpdate("DELETE FROM jobs WHERE id = :id")
  int delete(@Bind("id") String id);

  @SqlQuery("SELECT COUNT(*) FROM jobs")
  long count();

  /**
   * Jobs newest first, filtered by whichever of {@code itemId}, {@code state} and {@code type} is
   * not null, at most {@code limit} of them.
   */
  default List<Job> list(String itemId, String state, String type, int limit) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM jobs WHERE 1 = 1");
    if (itemId != null) {
      sql.append(" AND item_id = :itemId");
    }
    if (state != null) {
      sql.append(" AND state = :state");
    }
    if (type != null) {
      sql.append(" AND type = :type");
    }
    sql.append(" ORDER BY created_at DESC, id DESC FETCH FIRST ")
        .append(Math.max(1, limit))
        .append(" ROWS ONLY");
    Query query = getHandle().createQuery(sql.toString());
    if (itemId != null) {
      query.bind("itemId", itemId);
    }
    if (state != null) {
      query.bind("state", state);
    }
    if (type != null) {
      query.bind("type", type);
    }
    return query.registerRowMapper(ConstructorMapper.factory(Job.class)).mapTo(Job.class).list();
  }

  /** The job's steps in the order they first started. */
  @SqlQuery("SELECT " + STEP_COLUMNS + " FROM job_steps WHERE job_id = :jobId ORDER BY ordinal")
  List<JobStep> steps(@Bind("jobId") String jobId);

  @SqlQuery("SELECT " + STEP_COLUMNS + " FROM job_steps WHERE job_id = :jobId AND name = :name")
  Optional<JobStep> findStep(@Bind("jobId") String jobId, @Bind("name") String name);

  @SqlQuery("SELECT COALESCE(MAX(ordinal) + 1, 0) FROM job_steps WHERE job_id = :jobId")
  int nextOrdinal(@Bind("jobId") String jobId);

  @SqlUpdate(
      "INSERT INTO job_steps ("
          + STEP_COLUMNS
          + ") VALUES (:jobId, :name, :ordinal, :state, :startedAt, :endedAt, :error)")
  void insertStep(@BindMethods JobStep step);

  @SqlUpdate(
      "UPDATE job_steps SET state = :state, started_at = :startedAt, ended_at = :endedAt,"
          + " error = :error WHERE job_id = :jobId AND name = :name")
  int updateStep(@BindMethods JobStep step);
}
