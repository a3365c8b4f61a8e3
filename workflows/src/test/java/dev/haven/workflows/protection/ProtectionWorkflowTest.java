package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.ProtectionHarness.COPY_FREQUENCY_SECONDS;
import static dev.haven.workflows.protection.ProtectionHarness.ENABLE_JOB;
import static dev.haven.workflows.protection.ProtectionHarness.REPLICA;
import static dev.haven.workflows.protection.ProtectionHarness.calls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.haven.workflows.activities.AgentActivities.CopyDiskInput;
import dev.haven.workflows.activities.AgentActivities.ReplicationProgress;
import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.activities.StoreActivities.ItemUpdate;
import dev.haven.workflows.activities.StoreActivities.RecoveryPointRecord;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** Enable protection, initial replication, delta cycles and resume, with mocked activities. */
class ProtectionWorkflowTest {
  private static final Duration FREQUENCY = Duration.ofSeconds(COPY_FREQUENCY_SECONDS);

  private final ProtectionHarness h = new ProtectionHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void R10_enableProtectionRecordsJobSteps() {
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);
    ProtectionHarness.awaitTrue(() -> h.jobStates(ENABLE_JOB).size() == 2, "the job's end");

    assertThat(h.stepsOf(ENABLE_JOB))
        .containsExactly(
            "check-prerequisites:running",
            "check-prerequisites:succeeded",
            "prepare-replica:running",
            "prepare-replica:succeeded",
            "start-replication:running",
            "start-replication:succeeded",
            "initial-replication:running",
            "initial-replication:succeeded");
    assertThat(h.jobStates(ENABLE_JOB)).extracting("state").containsExactly("running", "succeeded");
    // R12: finalize protection is a job of its own, linked to the item's workflow.
    StoreActivities.JobOpen finalize =
        ProtectionHarness.calls(h.store, "openJob", StoreActivities.JobOpen.class).get(0);
    assertThat(finalize.type()).isEqualTo("finalize-protection");
    assertThat(finalize.workflowId())
        .isEqualTo(ProtectedItemWorkflow.workflowId(ProtectionHarness.ITEM));
    assertThat(h.stepsOf(finalize.jobId()))
        .containsExactly(
            "apply-network-mapping:running",
            "apply-network-mapping:succeeded",
            "finalize:running",
            "finalize:succeeded");
    assertThat(h.jobStates(finalize.jobId()))
        .extracting("state")
        .containsExactly("running", "succeeded");
    assertThat(h.items())
        .extracting(ItemUpdate::state)
        .containsSubsequence("enabling", "initial-replication", "protected");
    ItemUpdate last = h.items().get(h.items().size() - 1);
    assertThat(last.health()).isEqualTo("normal");
    assertThat(last.replicaVmId()).isEqualTo(REPLICA);
    assertThat(last.activeSiteId()).isEqualTo("primary");
  }

  @Test
  void R11_initialReplicationCopiesEveryDiskThenShipsTheLog() {
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    ItemStatus status = h.awaitState(wf, ItemState.PROTECTED);

    InOrder order = inOrder(h.agent);
    order.verify(h.agent).prepareReplica(any());
    order.verify(h.agent).startReplication(argThat(in -> in.disks().size() == 2));
    order.verify(h.agent).copyDisk(argThat((CopyDiskInput in) -> in.diskId().equals("d1")));
    order.verify(h.agent).copyDisk(argThat((CopyDiskInput in) -> in.diskId().equals("d2")));
    order.verify(h.agent).replicateCycle(any());
    verify(h.agent, times(2)).copyDisk(any());
    assertThat(status.lastAppliedSeq()).isEqualTo(1);
    assertThat(status.lastRecoveryPointMillis())
        .isEqualTo(ProtectionHarness.cycleResult(1).sealedAtMillis());
    assertThat(calls(h.store, "recordRecoveryPoint", RecoveryPointRecord.class))
        .extracting(RecoveryPointRecord::seq)
        .containsExactly(1L);
  }

  @Test
  void R13_deltaCycleRunsAtCopyFrequency() {
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);
    assertThat(h.cycles()).isEqualTo(1);

    h.skip(FREQUENCY.multipliedBy(5).plusSeconds(COPY_FREQUENCY_SECONDS / 2));

    verify(h.agent, timeout(5_000).times(6)).replicateCycle(any());
    ItemStatus status = h.awaitStatus(wf, s -> s.lastAppliedSeq() == 6, "applied seq 6");
    assertThat(status.health()).isEqualTo(Health.NORMAL);
    assertThat(h.cycles()).isEqualTo(6);
    ProtectionHarness.awaitTrue(() -> h.points().size() == 6, "six recovery points");
  }

  @Test
  void R13_failedCycleKeepsTheItemAndRecordsWarning() {
    AtomicBoolean agentDown = new AtomicBoolean();
    doAnswer(
            inv -> {
              if (agentDown.get()) {
                throw ApplicationFailure.newFailure(
                    "ReplicateCycle on agent 10.0.0.2:7443 failed (UNAVAILABLE): connection refused",
                    "NetworkError");
              }
              return ProtectionHarness.cycleResult(h.seq.incrementAndGet());
            })
        .when(h.agent)
        .replicateCycle(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    agentDown.set(true);
    h.skip(FREQUENCY.plusSeconds(20));
    ItemStatus failed = h.awaitStatus(wf, s -> s.health() == Health.WARNING, "health warning");
    assertThat(failed.state()).isEqualTo(ItemState.PROTECTED);
    assertThat(failed.lastError()).contains("NetworkError").contains("connection refused");
    ProtectionHarness.awaitTrue(
        () -> h.items().stream().anyMatch(u -> "warning".equals(u.health())),
        "the warning in the store");

    agentDown.set(false);
    // R14: health stays warning until no more than 20% of the expected cycles were missed.
    h.skip(FREQUENCY.multipliedBy(6));
    ItemStatus healed = h.awaitStatus(wf, s -> s.health() == Health.NORMAL, "health normal");
    assertThat(healed.state()).isEqualTo(ItemState.PROTECTED);
    assertThat(healed.lastAppliedSeq()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void D1_resumeAfterRestartDoesNotCopyAgain() {
    doReturn(new ReplicationProgress("target", true, 0, 0, 42, true, 0))
        .when(h.agent)
        .replicationState(any());
    h.seq.set(42);
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.resumeInput(ItemState.PROTECTED, 40));
    h.awaitStatus(wf, s -> s.lastAppliedSeq() == 42, "the target's applied seq");

    h.skip(FREQUENCY.plusSeconds(5));
    ItemStatus status = h.awaitStatus(wf, s -> s.lastAppliedSeq() == 43, "one more cycle");

    assertThat(status.state()).isEqualTo(ItemState.PROTECTED);
    assertThat(status.replicaVmId()).isEqualTo(REPLICA);
    verify(h.agent, times(2)).replicationState(any());
    verify(h.agent, never()).copyDisk(any());
    verify(h.agent, never()).prepareReplica(any());
    verify(h.agent, never()).startReplication(any());
  }

  @Test
  void D1_resumeDuringInitialCopyContinuesTheCopyAndFinalizes() {
    doReturn(new ReplicationProgress("target", true, 0, 0, 0, false, 0))
        .when(h.agent)
        .replicationState(any());
    ProtectedItemWorkflow wf =
        h.start(ProtectionHarness.resumeInput(ItemState.INITIAL_REPLICATION, 0));
    h.awaitState(wf, ItemState.PROTECTED);

    // The copy activity resumes each disk from the chunk the target persisted.
    verify(h.agent, times(2)).copyDisk(any());
    verify(h.agent, times(1)).replicateCycle(any());
    assertThat(h.items()).extracting(ItemUpdate::state).doesNotContain("enabling");
  }
}
