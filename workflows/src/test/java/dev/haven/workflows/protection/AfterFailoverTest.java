package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.ProtectionHarness.ITEM;
import static dev.haven.workflows.protection.ProtectionHarness.REPLICA;
import static dev.haven.workflows.protection.ProtectionHarness.SOURCE;
import static dev.haven.workflows.protection.ProtectionHarness.TARGET;
import static dev.haven.workflows.protection.ProtectionHarness.VM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.DiskResynced;
import dev.haven.workflows.activities.AgentActivities.MaterializeInput;
import dev.haven.workflows.activities.AgentActivities.MaterializedPoint;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.ResyncDiskInput;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/**
 * Unplanned failover (R17) and the operator's decisions after any failover (R20, R24): commit,
 * cancel, change of recovery point and the commit timer, with mocked agents on the time-skipping
 * test server. The real agents' side is proven in the dist module's {@code FailoverRealAgentsTest}.
 */
class AfterFailoverTest {
  private static final String JOB = "job-failover";
  private final ProtectionHarness h = new ProtectionHarness();
  private final AtomicInteger copies = new AtomicInteger();

  @BeforeEach
  void copiesAnswer() {
    // Each materialized copy is a new VM named after the point it holds.
    doAnswer(
            inv -> {
              MaterializeInput in = inv.getArgument(0);
              String id = in.pointId().isEmpty() ? "rp-3" : in.pointId();
              long seq = Long.parseLong(id.substring(3));
              return new MaterializedPoint(
                  id,
                  seq,
                  1_000L * seq,
                  false,
                  "copy-" + copies.incrementAndGet(),
                  List.of("c1", "c2"),
                  List.of("h" + seq, "h" + seq),
                  3 - (int) seq);
            })
        .when(h.agent)
        .materializeRecoveryPoint(any());
    doAnswer(
            inv ->
                new DiskResynced(
                    ((ResyncDiskInput) inv.getArgument(0)).diskId(), 16, 1, 4096, 4096, 3))
        .when(h.agent)
        .resyncDisk(any());
  }

  @AfterEach
  void close() {
    h.close();
  }

  private ProtectedItemWorkflow protectedItem() {
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);
    return wf;
  }

  private ProtectedItemWorkflow failedOver(String type, String point, Integer autoCommit) {
    ProtectedItemWorkflow wf = protectedItem();
    wf.failover(new FailoverRequest(JOB, type, point, autoCommit));
    h.awaitState(wf, ItemState.FAILED_OVER);
    ProtectionHarness.awaitTrue(() -> h.jobStates(JOB).size() == 2, "the failover job's end");
    return wf;
  }

  @Test
  void R17_unplannedFailoverRunsTheChosenPointWithoutTheSource() {
    ProtectedItemWorkflow wf = failedOver("unplanned", "rp-2", null);

    verify(h.agent)
        .materializeRecoveryPoint(
            new MaterializeInput(ITEM, TARGET.agentAddress(), "rp-2", false, ""));
    verify(h.agent).setPower(new PowerInput(TARGET.agentAddress(), "copy-1", true));
    // Nothing is asked of the source, which is gone, nor of the replica and its points.
    verify(h.agent, never()).setPower(new PowerInput(SOURCE.agentAddress(), VM, false));
    verify(h.agent, never()).stopReplication(any());
    verify(h.agent, never()).hashDisks(any());
    assertThat(wf.failedOver()).isEqualTo(new FailoverView("unplanned", "copy-1", "rp-2", 2, null));
    assertThat(h.stepsOf(JOB))
        .containsExactly(
            "materialize-recovery-point:running",
            "materialize-recovery-point:succeeded",
            "power-on-replica:running",
            "power-on-replica:succeeded");
    assertThat(h.jobStates(JOB)).extracting("state").containsExactly("running", "succeeded");
    assertThat(h.items().get(h.items().size() - 1).activeSiteId()).isEqualTo(TARGET.siteId());
  }

  @Test
  void R17_latestAskedOfTheAgentAsTheNewestPoint() {
    ProtectedItemWorkflow wf = failedOver("unplanned", "latest", null);

    verify(h.agent)
        .materializeRecoveryPoint(new MaterializeInput(ITEM, TARGET.agentAddress(), "", false, ""));
    assertThat(wf.failedOver().pointId()).isEqualTo("rp-3");
  }

  @Test
  void R17_aFailedUnplannedFailoverDeletesItsCopyAndLeavesTheItemProtected() {
    doAnswer(
            inv -> {
              PowerInput in = inv.getArgument(0);
              if (in.on() && in.vmId().startsWith("copy-")) {
                throw ApplicationFailure.newNonRetryableFailure("no room to run", "VmPowerFailed");
              }
              return new dev.haven.workflows.activities.AgentActivities.PowerResult(
                  in.vmId(), "off");
            })
        .when(h.agent)
        .setPower(any());
    ProtectedItemWorkflow wf = protectedItem();

    wf.failover(new FailoverRequest(JOB, "unplanned", "rp-2"));
    ProtectionHarness.awaitTrue(() -> h.jobStates(JOB).size() == 2, "the failover job's end");

    verify(h.agent).deleteVm(new DeleteVmInput(TARGET.agentAddress(), "copy-1"));
    assertThat(h.jobStates(JOB).get(1).state()).isEqualTo("failed");
    assertThat(h.jobStates(JOB).get(1).error()).contains("no room to run");
    ItemStatus status = h.awaitState(wf, ItemState.PROTECTED);
    assertThat(status.health()).isEqualTo(Health.WARNING);
    assertThat(wf.failedOver()).isNull();
    long before = h.cycles();
    h.skip(Duration.ofSeconds(ProtectionHarness.COPY_FREQUENCY_SECONDS + 5));
    verify(h.agent, timeout(5_000).times((int) before + 1)).replicateCycle(any());
  }

  @Test
  void R24_commitAfterUnplannedStopsReplicationAndDiscardsTheOtherPoints() {
    ProtectedItemWorkflow wf = failedOver("unplanned", "rp-2", null);

    assertThat(wf.commit(new AfterFailoverRequest("job-commit", null)))
        .isEqualTo(new UpdateAccepted("job-commit"));
    ProtectionResult result = WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);

    assertThat(result.finalState()).isEqualTo(ItemState.COMMITTED);
    InOrder order = inOrder(h.agent);
    order.verify(h.agent).stopReplication(new StopInput(ITEM, TARGET.agentAddress()));
    order.verify(h.agent).deleteVm(new DeleteVmInput(TARGET.agentAddress(), REPLICA));
    verify(h.agent, never()).deleteVm(new DeleteVmInput(TARGET.agentAddress(), "copy-1"));
    assertThat(h.stepsOf("job-commit"))
        .containsExactly(
            "stop-replication:running",
            "stop-replication:succeeded",
            "discard-other-points:running",
            "discard-other-points:succeeded",
            "fence-old-source:running",
            "fence-old-source:succeeded");
    assertThat(h.jobStates("job-commit"))
        .extracting("state")
        .containsExactly("running", "succeeded");
    var last = h.items().get(h.items().size() - 1);
    assertThat(last.state()).isEqualTo("committed");
    assertThat(last.replicaVmId()).isEqualTo("copy-1");
  }

  @Test
  void R24_anUnplannedCommitFencesTheOldSourceOnceItsHostAnswersAgain() {
    // The old source's host is down: every command to it fails, as a network error does.
    AtomicInteger refused = new AtomicInteger();
    doAnswer(
            call -> {
              PowerInput in = call.getArgument(0);
              if (in.agentAddress().equals(SOURCE.agentAddress()) && refused.get() < 3) {
                refused.incrementAndGet();
                throw ApplicationFailure.newFailure("connection refused", "NetworkError");
              }
              return null;
            })
        .when(h.agent)
        .setPower(any());
    ProtectedItemWorkflow wf = failedOver("unplanned", "rp-2", null);

    wf.commit(new AfterFailoverRequest("job-commit", null));
    assertThat(WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class).finalState())
        .isEqualTo(ItemState.COMMITTED);

    // The fence outlives the committed run and keeps trying until the host answers.
    OldSourceFence.Result fenced =
        h.client
            .newUntypedWorkflowStub(OldSourceFence.workflowId(ITEM))
            .getResult(OldSourceFence.Result.class);
    assertThat(fenced.vmWasGone()).isFalse();
    assertThat(refused.get()).isEqualTo(3);
    InOrder order = inOrder(h.agent);
    // Three refused attempts, then the one that powered it off; its role stopped after.
    order.verify(h.agent, times(4)).setPower(new PowerInput(SOURCE.agentAddress(), VM, false));
    order.verify(h.agent).stopReplication(new StopInput(ITEM, SOURCE.agentAddress()));
  }

  @Test
  void R24_aPlannedCommitStartsNoFence() {
    ProtectedItemWorkflow wf = failedOver("planned", "latest", null);
    wf.commit(new AfterFailoverRequest("job-commit", null));
    ProtectionHarness.awaitTrue(
        () -> h.jobStates("job-commit").size() == 2, "the commit job's end");
    // The planned failover shut the source down itself, and the item goes on reversed.
    assertThat(h.stepsOf("job-commit")).isNotEmpty().doesNotContain("fence-old-source:running");
  }

  @Test
  void R20_changeRecoveryPointRebuildsTheRunningVmAtTheNewPoint() {
    ProtectedItemWorkflow wf = failedOver("unplanned", "rp-3", null);

    wf.changeRecoveryPoint(new AfterFailoverRequest("job-change", "rp-1"));
    h.awaitStatus(
        wf, s -> h.jobStates("job-change").size() == 2, "the change of point's job to end");

    InOrder order = inOrder(h.agent);
    order.verify(h.agent).setPower(new PowerInput(TARGET.agentAddress(), "copy-1", false));
    order
        .verify(h.agent)
        .materializeRecoveryPoint(
            new MaterializeInput(ITEM, TARGET.agentAddress(), "rp-1", false, ""));
    order.verify(h.agent).setPower(new PowerInput(TARGET.agentAddress(), "copy-2", true));
    order.verify(h.agent).deleteVm(new DeleteVmInput(TARGET.agentAddress(), "copy-1"));
    assertThat(wf.failedOver()).isEqualTo(new FailoverView("unplanned", "copy-2", "rp-1", 1, null));
    assertThat(wf.status().state()).isEqualTo(ItemState.FAILED_OVER);
    assertThat(h.jobStates("job-change").get(1).state()).isEqualTo("succeeded");
  }

  @Test
  void R20_cancelAfterUnplannedDeletesTheCopyAndCyclesResume() {
    ProtectedItemWorkflow wf = failedOver("unplanned", "rp-2", null);
    long before = h.cycles();

    wf.cancel(new AfterFailoverRequest("job-cancel", null));
    h.awaitState(wf, ItemState.PROTECTED);

    verify(h.agent).deleteVm(new DeleteVmInput(TARGET.agentAddress(), "copy-1"));
    verify(h.agent, never()).deleteVm(new DeleteVmInput(TARGET.agentAddress(), REPLICA));
    assertThat(wf.failedOver()).isNull();
    ProtectionHarness.awaitTrue(() -> h.jobStates("job-cancel").size() == 2, "the cancel's end");
    assertThat(h.jobStates("job-cancel").get(1).state()).isEqualTo("succeeded");
    h.skip(Duration.ofSeconds(ProtectionHarness.COPY_FREQUENCY_SECONDS + 5));
    verify(h.agent, timeout(5_000).times((int) before + 1)).replicateCycle(any());
  }

  @Test
  void R20_cancelAfterPlannedResyncsTheReplicaAndRestartsTheSource() {
    ProtectedItemWorkflow wf = failedOver("planned", "latest", null);

    wf.cancel(new AfterFailoverRequest("job-cancel", null));
    h.awaitState(wf, ItemState.PROTECTED);

    InOrder order = inOrder(h.agent);
    order.verify(h.agent).setPower(new PowerInput(TARGET.agentAddress(), REPLICA, false));
    order.verify(h.agent).prepareReplica(any());
    order.verify(h.agent).startReplication(any());
    order.verify(h.agent, org.mockito.Mockito.times(2)).resyncDisk(any());
    order.verify(h.agent).setPower(new PowerInput(SOURCE.agentAddress(), VM, true));
    order.verify(h.agent).replicateCycle(any());
    ProtectionHarness.awaitTrue(() -> h.jobStates("job-cancel").size() == 2, "the cancel's end");
    assertThat(h.stepsOf("job-cancel"))
        .containsExactly(
            "power-off-replica:running",
            "power-off-replica:succeeded",
            "restore-replication:running",
            "restore-replication:succeeded",
            "forget-recovery-points:running",
            "forget-recovery-points:succeeded",
            "resync-disks:running",
            "resync-disks:succeeded",
            "power-on-source:running",
            "power-on-source:succeeded",
            "ship-changes:running",
            "ship-changes:succeeded");
    assertThat(h.items().get(h.items().size() - 1).activeSiteId()).isEqualTo(SOURCE.siteId());
  }

  @Test
  void R20_theCommitTimerCommitsByItself() {
    ProtectedItemWorkflow wf = failedOver("unplanned", "rp-2", 600);
    assertThat(wf.failedOver().autoCommitAtMillis()).isNotNull();

    h.skip(Duration.ofSeconds(601));
    ProtectionResult result = WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);

    assertThat(result.finalState()).isEqualTo(ItemState.COMMITTED);
    verify(h.agent).deleteVm(new DeleteVmInput(TARGET.agentAddress(), REPLICA));
    assertThat(h.stepsOf(JOB)).contains("auto-commit:succeeded", "discard-other-points:succeeded");
  }

  @Test
  void R20_decisionsAreRejectedWithTheStateThatAllowsThem() {
    ProtectedItemWorkflow wf = protectedItem();
    assertThatThrownBy(() -> wf.commit(new AfterFailoverRequest("job-commit", null)))
        .isInstanceOf(WorkflowUpdateException.class)
        .cause()
        .extracting(e -> ((ApplicationFailure) e).getOriginalMessage())
        .isEqualTo(
            "commit is not allowed while the item is in state protected;"
                + " it is allowed in state failed-over");

    wf.failover(new FailoverRequest(JOB, "planned", "latest"));
    h.awaitState(wf, ItemState.FAILED_OVER);
    ProtectionHarness.awaitTrue(() -> wf.failedOver() != null, "the failover recorded");
    assertThatThrownBy(() -> wf.changeRecoveryPoint(new AfterFailoverRequest("job-c", "rp-1")))
        .isInstanceOf(WorkflowUpdateException.class)
        .cause()
        .extracting(e -> ((ApplicationFailure) e).getOriginalMessage())
        .asString()
        .startsWith("change-recovery-point is allowed after an unplanned failover only");
    assertThatThrownBy(() -> wf.failover(new FailoverRequest("job-again", "unplanned", "latest")))
        .isInstanceOf(WorkflowUpdateException.class);
    assertThat(h.jobStates("job-c")).isEmpty();
    assertThat(wf.status().state()).isEqualTo(ItemState.FAILED_OVER);
  }
}
