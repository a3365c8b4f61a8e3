package dev.haven.api.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.api.error.ApiException;
import dev.haven.api.json.PlanJson;
import dev.haven.api.json.Times;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.PlanRun;
import dev.haven.store.RecoveryPlan;
import dev.haven.store.RecoveryPlanDao;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.plans.PlanRunInput;
import dev.haven.workflows.plans.RecoveryPlanWorkflow;
import dev.haven.workflows.plans.ResumeRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery plans (R18): storing validated plans, starting a run as workflow {@code plan/<runId>},
 * releasing its manual steps, cancelling it and showing its report. A run's job and row exist
 * before its workflow starts, so {@code GET /jobs/{id}} and the run's report answer at once.
 */
public final class RecoveryPlanService {
  /** The job type of a plan run. */
  public static final String RUN_JOB = "recovery-plan-failover";

  /** The job type of a run that cleans up a plan's test failover (R27). */
  public static final String CLEANUP_JOB = "recovery-plan-test-cleanup";

  /** The longest notes an operator may leave on a drill, as for one item's clean-up. */
  static final int MAX_NOTES = 2000;

  static final Set<String> TYPES = Set.of("planned", "unplanned", "test");
  static final Set<String> DIRECTIONS = Set.of("primary-to-secondary", "secondary-to-primary");
  static final Set<String> RUN_ENDS = Set.of("succeeded", "failed", "cancelled");

  private static final Logger LOG = LoggerFactory.getLogger(RecoveryPlanService.class);

  private final Jdbi jdbi;
  private final WorkflowClient workflows;
  private final ObjectMapper json = new ObjectMapper();

  public RecoveryPlanService(Jdbi jdbi, WorkflowClient workflows) {
    this.jdbi = jdbi;
    this.workflows = workflows;
  }

  public List<PlanJson.View> list() {
    return jdbi.withExtension(
        RecoveryPlanDao.class, d -> d.list().stream().map(this::view).toList());
  }

  public PlanJson.View get(String id) {
    return view(find(id));
  }

  /** Validates and stores a new plan; nothing is stored when the plan is refused. */
  public PlanJson.View create(PlanJson.Plan body) {
    return jdbi.inTransaction(
        h -> {
          PlanJson.Plan plan = PlanValidator.validate(h, body);
          RecoveryPlanDao plans = h.attach(RecoveryPlanDao.class);
          if (plans.findByName(plan.name()).isPresent()) {
            throw ApiException.conflict("a recovery plan named '" + plan.name() + "' exists");
          }
          long now = System.currentTimeMillis();
          RecoveryPlan stored =
              new RecoveryPlan(Ids.next("plan"), plan.name(), write(plan), now, now);
          plans.insert(stored);
          return view(stored);
        });
  }

  /** Replaces a plan's groups and name; runs that started keep the plan they started with. */
  public PlanJson.View update(String id, PlanJson.Plan body) {
    return jdbi.inTransaction(
        h -> {
          RecoveryPlanDao plans = h.attach(RecoveryPlanDao.class);
          RecoveryPlan old =
              plans.find(id).orElseThrow(() -> ApiException.notFound("recovery plan", id, null));
          PlanJson.Plan plan = PlanValidator.validate(h, body);
          plans
              .findByName(plan.name())
              .filter(other -> !other.id().equals(id))
              .ifPresent(
                  other -> {
                    throw ApiException.conflict(
                        "a recovery plan named '" + plan.name() + "' exists");
                  });
          RecoveryPlan stored =
              new RecoveryPlan(
                  id, plan.name(), write(plan), old.createdAt(), System.currentTimeMillis());
          plans.update(stored);
          return view(stored);
        });
  }

  /** Deletes a plan and its runs' reports; refused while a run of it has not ended. */
  public void delete(String id) {
    jdbi.useTransaction(
        h -> {
          RecoveryPlanDao plans = h.attach(RecoveryPlanDao.class);
          plans.find(id).orElseThrow(() -> ApiException.notFound("recovery plan", id, null));
          if (plans.unfinishedRuns(id) > 0) {
            throw ApiException.conflict(
                "recovery plan " + id + " has a run that has not ended; cancel it first");
          }
          plans.delete(id);
        });
  }

  /** Starts a run of the plan: 202 with its job and run ids. */
  public PlanJson.Accepted failover(String planId, PlanJson.Failover body) {
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
  public PlanJson.Accepted testFailoverCleanup(String planId, PlanJson.TestCleanup body) {
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
    List<String> vms = vmsOf(find(planId));
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
                  && !PlanTestFailovers.runToCleanUp(h, planId, vmsOf(plan))
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
                  PlanSnapshots.of(h, plan, read(plan.body())),
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

  /** Releases manual step {@code stepId} of a run that waits for it (or will). */
  public PlanJson.Accepted resume(String planId, String runId, PlanJson.Resume body) {
    if (body == null || body.stepId() == null || body.stepId().isBlank()) {
      throw ApiException.badRequest("stepId", "stepId names the manual step to release");
    }
    PlanRun run = unfinishedRun(planId, runId, "resumed");
    JsonNode action = PlanRunReports.action(json, run, body.stepId());
    if (action == null || !action.path("kind").asText().equals("manual")) {
      throw ApiException.badRequest(
          "stepId", "run " + runId + " has no manual step '" + body.stepId() + "'");
    }
    String state = action.path("state").asText();
    if (!state.equals("waiting") && !state.equals("pending")) {
      throw ApiException.conflict(
          "manual step '"
              + body.stepId()
              + "' is "
              + state
              + "; only a waiting or pending step"
              + " can be released");
    }
    workflows
        .newWorkflowStub(RecoveryPlanWorkflow.class, run.workflowId())
        .resume(new ResumeRequest(body.stepId()));
    return new PlanJson.Accepted(run.jobId(), runId);
  }

  /** Cancels a run: nothing new starts; failovers already under way finish on their own. */
  public PlanJson.Accepted cancel(String planId, String runId) {
    PlanRun run = unfinishedRun(planId, runId, "cancelled");
    workflows.newUntypedWorkflowStub(run.workflowId()).cancel();
    return new PlanJson.Accepted(run.jobId(), runId);
  }

  public List<PlanJson.RunSummary> runs(String planId) {
    find(planId);
    return jdbi.withExtension(
        RecoveryPlanDao.class,
        d ->
            d.runs(planId).stream()
                .map(
                    r ->
                        new PlanJson.RunSummary(
                            r.id(),
                            r.jobId(),
                            r.type(),
                            r.direction(),
                            r.recoveryPoint(),
                            r.state(),
                            Times.iso(r.createdAt()),
                            Times.iso(r.endedAt())))
                .toList());
  }

  /**
   * The run's report: per group the actions (result, exit code, output) and the VMs (outcome,
   * recovery point, data-loss window, durations), times in ISO-8601 UTC.
   */
  public JsonNode report(String planId, String runId) {
    return PlanRunReports.render(json, run(planId, runId));
  }

  private PlanRun run(String planId, String runId) {
    PlanRun run =
        jdbi.withExtension(RecoveryPlanDao.class, d -> d.findRun(runId))
            .filter(r -> r.planId().equals(planId))
            .orElseThrow(() -> ApiException.notFound("run", runId, null));
    return run;
  }

  private PlanRun unfinishedRun(String planId, String runId, String what) {
    PlanRun run = run(planId, runId);
    if (RUN_ENDS.contains(run.state())) {
      throw ApiException.conflict(
          "run " + runId + " has ended (" + run.state() + "); only a running run can be " + what);
    }
    return run;
  }

  private RecoveryPlan find(String id) {
    return jdbi.withExtension(RecoveryPlanDao.class, d -> d.find(id))
        .orElseThrow(() -> ApiException.notFound("recovery plan", id, null));
  }

  /** Every VM of the plan, in group order. */
  private List<String> vmsOf(RecoveryPlan stored) {
    return read(stored.body()).groups().stream().flatMap(g -> g.vms().stream()).toList();
  }

  private PlanJson.View view(RecoveryPlan stored) {
    PlanJson.Plan plan = read(stored.body());
    return new PlanJson.View(
        stored.id(),
        stored.name(),
        plan.groups(),
        Times.iso(stored.createdAt()),
        Times.iso(stored.updatedAt()));
  }

  private String write(PlanJson.Plan plan) {
    try {
      return json.writeValueAsString(plan);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a validated plan could not be written as JSON", e);
    }
  }

  private PlanJson.Plan read(String body) {
    try {
      return json.readValue(body, PlanJson.Plan.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
