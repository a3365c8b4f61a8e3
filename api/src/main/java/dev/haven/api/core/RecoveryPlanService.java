package dev.haven.api.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.api.error.ApiException;
import dev.haven.api.json.PlanJson;
import dev.haven.api.json.Times;
import dev.haven.store.Ids;
import dev.haven.store.PlanRun;
import dev.haven.store.RecoveryPlan;
import dev.haven.store.RecoveryPlanDao;
import dev.haven.workflows.plans.RecoveryPlanWorkflow;
import dev.haven.workflows.plans.ResumeRequest;
import io.temporal.client.WorkflowClient;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * Recovery plans (R18): storing validated plans, starting a run ({@link PlanRunStarter}), releasing
 * its manual steps, cancelling it and showing its report.
 */
public final class RecoveryPlanService {
  static final Set<String> RUN_ENDS = Set.of("succeeded", "failed", "cancelled");

  private final Jdbi jdbi;
  private final WorkflowClient workflows;
  private final ObjectMapper json = PlanBodies.JSON;
  private final PlanRunStarter starter;

  public RecoveryPlanService(Jdbi jdbi, WorkflowClient workflows) {
    this.jdbi = jdbi;
    this.workflows = workflows;
    this.starter = new PlanRunStarter(jdbi, workflows);
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
              new RecoveryPlan(Ids.next("plan"), plan.name(), PlanBodies.write(plan), now, now);
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
                  id,
                  plan.name(),
                  PlanBodies.write(plan),
                  old.createdAt(),
                  System.currentTimeMillis());
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
    return starter.failover(planId, body);
  }

  /** Cleans up the plan's test failover (R27); see {@link PlanRunStarter#testFailoverCleanup}. */
  public PlanJson.Accepted testFailoverCleanup(String planId, PlanJson.TestCleanup body) {
    return starter.testFailoverCleanup(planId, body);
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

  private PlanJson.View view(RecoveryPlan stored) {
    PlanJson.Plan plan = PlanBodies.read(stored.body());
    return new PlanJson.View(
        stored.id(),
        stored.name(),
        plan.groups(),
        Times.iso(stored.createdAt()),
        Times.iso(stored.updatedAt()));
  }
}
