package dev.haven.workflows.plans;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One run of a recovery plan (R18), with id {@code plan/<runId>}: the groups run in order; in a
 * group the pre actions run in order, then every member fails over in parallel (child workflows, at
 * most {@link #MAX_PARALLEL} at once), then the post actions. Cancelling the workflow cancels the
 * run.
 */
@WorkflowInterface
public interface RecoveryPlanWorkflow {
  /** The most member failovers in flight at once. */
  int MAX_PARALLEL = 20;

  static String workflowId(String runId) {
    return "plan/" + runId;
  }

  @WorkflowMethod
  PlanRunResult run(PlanRunInput input);

  /** Releases a manual step; a step that is not waiting yet is released when it comes. */
  @SignalMethod
  void resume(ResumeRequest request);

  /** The run's report as it stands. */
  @QueryMethod
  PlanRunReport report();
}
