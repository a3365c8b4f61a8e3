package dev.haven.workflows.plans;

import dev.haven.workflows.plans.PlanActivities.AwaitJobInput;
import dev.haven.workflows.plans.PlanActivities.FailoverStarted;
import dev.haven.workflows.plans.PlanActivities.JobEnded;
import dev.haven.workflows.plans.PlanActivities.StartCleanupInput;
import dev.haven.workflows.plans.PlanActivities.StartFailoverInput;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;

/**
 * Starts one item's failover (or the clean-up of its test failover) and follows its job. The job is
 * followed by polling its row in the store from a heartbeating activity rather than by a signal
 * from the item's workflow: the item's workflow already projects every job into the store, so
 * nothing in it has to know about plans, and a poll survives a restart of either workflow.
 */
public class MemberFailoverWorkflowImpl implements MemberFailoverWorkflow {

  @Override
  public MemberReport run(MemberFailoverInput in) {
    PlanRunActivities activities = new PlanRunActivities();
    long start = Workflow.currentTimeMillis();
    FailoverStarted started = null;
    try {
      started =
          PlanRunInput.TEST_CLEANUP.equals(in.type())
              ? activities.starter.startTestCleanup(
                  new StartCleanupInput(
                      in.runId(), in.itemId(), in.jobId(), in.verdict(), in.notes()))
              : activities.starter.startFailover(
                  new StartFailoverInput(
                      in.runId(), in.itemId(), in.jobId(), in.type(), in.recoveryPoint()));
      JobEnded ended = activities.follower.awaitJob(new AwaitJobInput(in.itemId(), in.jobId()));
      long failoverStart = started.startedAtMillis();
      long end =
          ended.endedAtMillis() != null ? ended.endedAtMillis() : Workflow.currentTimeMillis();
      Long window =
          ended.recoveryPointAtMillis() == null
              ? null
              : Math.max(0L, failoverStart - ended.recoveryPointAtMillis());
      return new MemberReport(
          in.vmId(),
          in.itemId(),
          in.jobId(),
          ended.state(),
          ended.recoveryPoint(),
          ended.recoveryPointAtMillis(),
          window,
          failoverStart,
          end,
          end - failoverStart,
          ended.error());
    } catch (ActivityFailure e) {
      if (e.getCause() instanceof CanceledFailure) {
        throw e;
      }
      long end = Workflow.currentTimeMillis();
      long from = started != null ? started.startedAtMillis() : start;
      return new MemberReport(
          in.vmId(),
          in.itemId(),
          in.jobId(),
          "failed",
          null,
          null,
          null,
          from,
          end,
          end - from,
          PlanErrors.reason(e));
    }
  }
}
