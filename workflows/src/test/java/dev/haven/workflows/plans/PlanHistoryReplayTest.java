package dev.haven.workflows.plans;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.api.Test;

/**
 * Replays recorded plan runs (two groups, 48 members, bounded fan-out; a test failover's clean-up
 * in reverse group order) against today's code: a change that would break running plan runs needs
 * {@code Workflow.getVersion}. The history is written by {@link RecoveryPlanWorkflowTest} with
 * {@code -Dhaven.recordHistories=true}.
 */
class PlanHistoryReplayTest {

  @Test
  void replaysTwoGroupsBoundedFanOut() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        RecoveryPlanWorkflowTest.HISTORY, RecoveryPlanWorkflowImpl.class);
  }

  @Test
  void replaysATestCleanupInReverseGroupOrder() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        RecoveryPlanWorkflowTest.CLEANUP_HISTORY, RecoveryPlanWorkflowImpl.class);
  }
}
