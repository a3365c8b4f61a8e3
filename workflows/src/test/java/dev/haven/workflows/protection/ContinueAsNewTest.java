package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.ProtectionHarness.COPY_FREQUENCY_SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.haven.workflows.activities.AgentActivities.ReplicationProgress;
import dev.haven.workflows.model.ItemState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The workflow continues as new after a bounded number of cycles, keeping its state. */
class ContinueAsNewTest {

  /** The production workflow with a bound of three cycles per run. */
  public static class ShortRuns extends ProtectedItemWorkflowImpl {
    @WorkflowInit
    public ShortRuns(ProtectionInput input) {
      super(input, 3);
    }
  }

  private final ProtectionHarness h = new ProtectionHarness(ShortRuns.class);

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void continuesAsNewAfterBoundedCyclesWithoutCopyingAgain() {
    doAnswer(inv -> new ReplicationProgress("target", true, 0, 0, h.seq.get(), true, 0))
        .when(h.agent)
        .replicationState(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);
    String firstRun = h.firstRun.getRunId();

    h.skip(Duration.ofSeconds(COPY_FREQUENCY_SECONDS * 5L + 10));
    ItemStatus status = h.awaitStatus(wf, s -> s.lastAppliedSeq() == 6, "applied seq 6");

    List<HistoryEvent> firstRunEvents =
        h.client
            .fetchHistory(ProtectedItemWorkflow.workflowId(ProtectionHarness.ITEM), firstRun)
            .getEvents();
    assertThat(firstRunEvents.get(firstRunEvents.size() - 1).getEventType())
        .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
    assertThat(status.state()).isEqualTo(ItemState.PROTECTED);
    assertThat(status.replicaVmId()).isEqualTo(ProtectionHarness.REPLICA);
    // The new run asked both agents where replication stands and did not copy again.
    verify(h.agent, times(2)).copyDisk(any());
    verify(h.agent, times(2)).replicationState(any());
    verify(h.agent, times(1)).prepareReplica(any());
  }
}
