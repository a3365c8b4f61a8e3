package dev.haven.store;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Recovery plans and their runs (R18). Plan names are unique. */
@RegisterConstructorMapper(RecoveryPlan.class)
@RegisterConstructorMapper(PlanRun.class)
public interface RecoveryPlanDao {
  String COLUMNS = "id, name, body, created_at, updated_at";
  String RUN_COLUMNS =
      "id, plan_id, job_id, workflow_id, type, direction, recovery_point, state, created_at,"
          + " ended_at, report, error";

  @SqlUpdate(
      "INSERT INTO recovery_plans ("
          + COLUMNS
          + ") VALUES (:id, :name, :body, :createdAt, :updatedAt)")
  void insert(@BindMethods RecoveryPlan plan);

  /** Rewrites the name and body. */
  @SqlUpdate(
      "UPDATE recovery_plans SET name = :name, body = :body, updated_at = :updatedAt"
          + " WHERE id = :id")
  int update(@BindMethods RecoveryPlan plan);

  @SqlQuery("SELECT " + COLUMNS + " FROM recovery_plans WHERE id = :id")
  Optional<RecoveryPlan> find(@Bind("id") String id);

  @SqlQuery("SELECT " + COLUMNS + " FROM recovery_plans WHERE name = :name")
  Optional<RecoveryPlan> findByName(@Bind("name") String name);

  @SqlQuery("SELECT " + COLUMNS + " FROM recovery_plans ORDER BY created_at, id")
  List<RecoveryPlan> list();

  /** Deletes the plan and, through the foreign key, its runs. */
  @SqlUpdate("DELETE FROM recovery_plans WHERE id = :id")
  int delete(@Bind("id") String id);

  @SqlUpdate(
      "INSERT INTO recovery_plan_runs ("
          + RUN_COLUMNS
          + ") VALUES (:id, :planId, :jobId, :workflowId, :type, :direction, :recoveryPoint,"
          + " :state, :createdAt, :endedAt, :report, :error)")
  void insertRun(@BindMethods PlanRun run);

  @SqlQuery("SELECT " + RUN_COLUMNS + " FROM recovery_plan_runs WHERE id = :id")
  Optional<PlanRun> findRun(@Bind("id") String id);

  /** The plan's runs, newest first. */
  @SqlQuery(
      "SELECT "
          + RUN_COLUMNS
          + " FROM recovery_plan_runs WHERE plan_id = :planId ORDER BY created_at DESC, id DESC")
  List<PlanRun> runs(@Bind("planId") String planId);

  /** Runs of the plan that have not ended. */
  @SqlQuery(
      "SELECT COUNT(*) FROM recovery_plan_runs WHERE plan_id = :planId"
          + " AND state IN ('queued', 'running', 'waiting')")
  int unfinishedRuns(@Bind("planId") String planId);

  @SqlUpdate("DELETE FROM recovery_plan_runs WHERE id = :id")
  int deleteRun(@Bind("id") String id);

  /**
   * The run's workflow projected its state and report. A run that ended keeps its end: a late write
   * of a retried activity cannot reopen it.
   */
  @SqlUpdate(
      "UPDATE recovery_plan_runs SET state = :state, ended_at = :endedAt, report = :report"
          + " WHERE id = :id AND state NOT IN ('succeeded', 'failed', 'cancelled')")
  int recordRun(
      @Bind("id") String id,
      @Bind("state") String state,
      @Bind("endedAt") Long endedAt,
      @Bind("report") String report);

  /** Every run that has not ended, of any plan. */
  @SqlQuery(
      "SELECT "
          + RUN_COLUMNS
          + " FROM recovery_plan_runs WHERE state IN ('queued', 'running', 'waiting')")
  List<PlanRun> unfinished();

  /** Closes a run whose workflow is gone, with the reason. */
  @SqlUpdate(
      "UPDATE recovery_plan_runs SET state = :state, ended_at = :endedAt, error = :error"
          + " WHERE id = :id"
          + " AND state IN ('queued', 'running', 'waiting')")
  int close(
      @Bind("id") String id,
      @Bind("state") String state,
      @Bind("endedAt") long endedAt,
      @Bind("error") String error);
}
