package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.PlanJson;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.PlanRun;
import dev.haven.store.RecoveryPlan;
import dev.haven.store.RecoveryPlanDao;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.plans.PlanRunInput;
import dev.haven.workflows.plans.RecoveryPlanWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a recovery plan's runs (R18) as workflow {@code plan/<runId>}: a failover of any type and
 * direction, or the clean-up of the plan's test failover. A run's job and row exist before its
 * workflow starts, so {@code GET /jobs/{id}} and the run's report answer at once.
 */
final class PlanRunStarter {
  /** The job type of a plan run. */
  static final String RUN_JOB = "recovery-plan-failover";

  /** The job type of a run that cleans up a plan's test failover (R27). */
  static final String CLEANUP_JOB = "recovery-plan-test-cleanup";

  /** The longest notes an operator may leave on a drill, as for one item's clean-up. */
  static final int MAX_NOTES = 2000;

  static final Set<String> TYPES = Set.of("planned", "unplanned", "test");
  static final Set<String> DIRECTIONS = Set.of("primary-to-secondary", "secondary-to-primary");

  private static final Logger LOG = LoggerFactory.getLogger(PlanRunStarter.class);

  private final Jdbi jdbi;
  private final WorkflowClient workflows;

  PlanRunStarter(Jdbi jdbi, WorkflowClient workflows) {
    this.jdbi = jdbi;
    this.workflows = workflows;
  }

  /** Starts a run of the plan: 202 with its job and run ids. */
  PlanJson.Accepted failover(String planId, PlanJson.Failover body) {
    if (body == null) {
      throw ApiException.badRequest(null, "the request needs {type, direction, recoveryPoint}");
    }
    String type = body.type() == null ? "planned" : body.type();
    if (!TYPES.contains(type)) {
      throw ApiException.badRequest(
          "type", "type must be planned, unplanned or test, not '" + type + "'");
    }
    String direction = body.direction() == null ? "primary-to-secondary" : body.direction();
    if (!DIRECTIONS.contains(direction)) {
      throw ApiException.badRequest(
          "direction",
          "direction must be primary-to-secondary or secondary-to-primary, not '"
              + direction
              + "'");
    }
    String point = body.recoveryPoint() == null ? "latest" : body.recoveryPoint();
    if (!point.equals("latest") && !point.equals("latest-app-consistent")) {
      throw ApiException.badRequest(
          "recoveryPoint",
          "a plan's recoveryPoint must be latest or latest-app-consistent (a point id belongs to"
              + " one VM); '"
              + point
              + "' is neither");
    }
    return startRun(planId, type, direction, point, null, null, null);
  }

  /**
   * Cleans up the plan's test failover (R27): a run of type {@code test-cleanup} that cleans every
   * member's test VM up in reverse group order, keeping {@code verdict} and {@code notes} in each
   * member's drill report. 409 when no test failover of the plan runs, or when it was cleaned up
   * already.
   */
  PlanJson.Accepted testFailoverCleanup(String planId, PlanJson.TestCleanup body) {
    String verdict = body == null ? null : body.verdict();
    String notes = body == null ? null : body.notes();
    if (verdict != null && !verdict.equals("passed") && !verdict.equals("failed")) {
      throw ApiException.badRequest(
          "verdict", "verdict must be passed or failed, not '" + verdict + "'");
    }
    if (notes != null && notes.length() > MAX_NOTES) {
      throw ApiException.badRequest(
          "notes", "notes hold at most " + MAX_NOTES + " characters, not " + notes.length());
    }
    List<String> vms = PlanBodies.vmsOf(find(planId));
    PlanRun drill = jdbi.withHandle(h -> PlanTestFailovers.runToCleanUp(h, planId, vms));
    return startRun(
        planId,
        PlanRunInput.TEST_CLEANUP,
        drill.direction(),
        drill.recoveryPoint(),
        verdict,
        notes,
        drill.id());
  }

  /**
   * Makes the run's job and row, then starts its workflow; when the workflow cannot start, both go
   * again. {@code testRunId}, for a clean-up, is the test run it cleans up, which must still be the
   * plan's latest test run when the row is written.
   */
  private PlanJson.Accepted startRun(
      String planId,
      String type,
      String direction,
      String point,
      String verdict,
      String notes,
      String testRunId) {
    String runId = Ids.next("run");
    String jobId = Ids.next("job");
    String workflowId = RecoveryPlanWorkflow.workflowId(runId);
    String jobType = PlanRunInput.TEST_CLEANUP.equals(type) ? CLEANUP_JOB : RUN_JOB;
    PlanRunInput input =
        jdbi.inTransaction(
            h -> {
              RecoveryPlanDao plans = h.attach(RecoveryPlanDao.class);
              RecoveryPlan plan =
                  plans
                      .find(planId)
                      .orElseThrow(() -> ApiException.notFound("recovery plan", planId, null));
              if (plans.unfinishedRuns(planId) > 0) {
                throw ApiException.conflict(
                    "recovery plan " + planId + " has a run that has not ended; one run at a time");
              }
              if (testRunId != null
                  && !PlanTestFailovers.runToCleanUp(h, planId, PlanBodies.vmsOf(plan))
                      .id()
                      .equals(testRunId)) {
                throw ApiException.conflict(
                    "recovery plan " + planId + " ran another test failover meanwhile; try again");
              }
              long now = System.currentTimeMillis();
              h.attach(JobDao.class)
                  .insert(
                      new Job(jobId, jobType, null, "queued", now, null, null, workflowId, null));
              plans.insertRun(
                  new PlanRun(
                      runId,
                      planId,
                      jobId,
                      workflowId,
                      type,
                      direction,
                      point,
                      "queued",
                      now,
                      null,
                      null,
                      null));
              return new PlanRunInput(
                  runId,
                  jobId,
                  type,
                  direction,
                  point,
                  PlanSnapshots.of(h, plan, PlanBodies.read(plan.body())),
                  verdict,
                  notes);
            });
    try {
      RecoveryPlanWorkflow run =
          workflows.newWorkflowStub(
              RecoveryPlanWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(TaskQueues.HAVEN)
                  .setWorkflowId(workflowId)
                  .build());
      WorkflowClient.start(run::run, input);
    } catch (RuntimeException e) {
      jdbi.useTransaction(
          h -> {
            h.attach(RecoveryPlanDao.class).deleteRun(runId);
            h.attach(JobDao.class).delete(jobId);
          });
      LOG.warn("run {} of plan {} could not start", runId, planId, e);
      throw ApiException.unavailable("the plan's run could not start: " + Failures.reason(e));
    }
    LOG.info("{} run {} of plan {} started as job {}", type, runId, planId, jobId);
    return new PlanJson.Accepted(jobId, runId);
  }

  private RecoveryPlan find(String id) {
    return jdbi.withExtension(RecoveryPlanDao.class, d -> d.find(id))
        .orElseThrow(() -> ApiException.notFound("recovery plan", id, null));
  }
}
