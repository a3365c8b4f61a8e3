package dev.haven.workflows.protection;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.api.Test;

/**
 * Replays recorded histories against today's code: a change that would break running workflows (a
 * new activity call, a reordered step) fails here and needs {@code Workflow.getVersion}. Record a
 * history again with {@code -Dhaven.recordHistories=true} only when a change is meant to be
 * incompatible, and say so in the change.
 */
class HistoryReplayTest {

  @Test
  void replaysADrillStoredWhenItRunsAndWhenItIsCleanedUp() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        HistoryRecorder.DRILL_STORED, ProtectedItemWorkflowImpl.class);
  }

  @Test
  void replaysProtectTwoCyclesPlannedFailover() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        HistoryRecorder.PROTECT_TWO_CYCLES_FAILOVER, ProtectedItemWorkflowImpl.class);
  }

  @Test
  void replaysPolicyBackoffPauseResumeDisable() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        HistoryRecorder.LIFECYCLE, ProtectedItemWorkflowImpl.class);
  }

  @Test
  void replaysUnplannedFailoverChangePointCommit() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        HistoryRecorder.UNPLANNED_CHANGE_COMMIT, ProtectedItemWorkflowImpl.class);
  }

  @Test
  void replaysTestFailoverPlannedFailoverCancelDisable() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        HistoryRecorder.DRILL_PLANNED_CANCEL, ProtectedItemWorkflowImpl.class);
  }

  @Test
  void replaysCyclesWithOneStoreWriteEach() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        HistoryRecorder.ONE_WRITE_PER_CYCLE, ProtectedItemWorkflowImpl.class);
  }

  @Test
  void replaysTheRoundTripOfReverseReplicationAndReturnHome() throws Exception {
    for (String run :
        new String[] {
          HistoryRecorder.ROUND_TRIP_AWAY,
          HistoryRecorder.ROUND_TRIP_REVERSED,
          HistoryRecorder.ROUND_TRIP_HOME
        }) {
      WorkflowReplayer.replayWorkflowExecutionFromResource(run, ProtectedItemWorkflowImpl.class);
    }
  }
}
