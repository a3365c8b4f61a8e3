package dev.haven.workflows.plans;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The failover of one member of a plan run, a child of {@link RecoveryPlanWorkflow} with id {@code
 * plan/<runId>/<vmId>}: it asks the item's own workflow for the failover (the item's single writer
 * does the work) and follows the job to its end.
 */
@WorkflowInterface
public interface MemberFailoverWorkflow {

  static String workflowId(String runId, String vmId) {
    return RecoveryPlanWorkflow.workflowId(runId) + "/" + vmId;
  }

  /** Answers the member's outcome; a failed failover is an outcome, not a workflow failure. */
  @WorkflowMethod
  MemberReport run(MemberFailoverInput input);
}
