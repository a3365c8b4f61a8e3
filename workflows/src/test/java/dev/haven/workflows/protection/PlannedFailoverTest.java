package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.ProtectionHarness.COPY_FREQUENCY_SECONDS;
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

import dev.haven.workflows.activities.AgentActivities.DiskCopied;
import dev.haven.workflows.activities.AgentActivities.HashDisksInput;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.activities.StoreActivities.ItemUpdate;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** The planned failover saga and its Update validator (R17). */
class PlannedFailoverTest {
  private static final String JOB = "job-failover";
  private static final FailoverRequest PLANNED = new FailoverRequest(JOB, "planned", "latest");

  private final ProtectionHarness h = new ProtectionHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void R17_plannedFailoverShutsDownShipsVerifiesAndPowersOnReplica() {
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    assertThat(wf.failover(PLANNED)).isEqualTo(new UpdateAccepted(JOB));
    // The workflow no longer ends with the failover: it waits for the operator (R20).
    h.awaitState(wf, ItemState.FAILED_OVER);
    ProtectionHarness.awaitTrue(() -> h.jobStates(JOB).size() == 2, "the failover job's end");
    assertThat(wf.failedOver()).isEqualTo(new FailoverView("planned", REPLICA, "latest", 0, null));
    InOrder order = inOrder(h.agent);
    order.verify(h.agent).setPower(new PowerInput(SOURCE.agentAddress(), VM, false));
    order.verify(h.agent).replicateCycle(any());
    order.verify(h.agent, times(2)).hashDisks(any());
    order
        .verify(h.agent)
        .stopReplication(new StopInput(ProtectionHarness.ITEM, SOURCE.agentAddress()));
    order
        .verify(h.agent)
        .stopReplication(new StopInput(ProtectionHarness.ITEM, TARGET.agentAddress()));
    order.verify(h.agent).setPower(new PowerInput(TARGET.agentAddress(), REPLICA, true));
    verify(h.agent).hashDisks(new HashDisksInput(SOURCE.agentAddress(), VM));
    verify(h.agent).hashDisks(new HashDisksInput(TARGET.agentAddress(), REPLICA));
    verify(h.agent, never()).setPower(new PowerInput(SOURCE.agentAddress(), VM, true));

    assertThat(h.stepsOf(JOB))
        .containsExactly(
            "shut-down-source:running",
            "shut-down-source:succeeded",
            "ship-last-changes:running",
            "ship-last-changes:succeeded",
            "verify-replica:running",
            "verify-replica:succeeded",
            "stop-replication:running",
            "stop-replication:succeeded",
            "power-on-replica:running",
            "power-on-replica:succeeded");
    assertThat(h.jobStates(JOB)).extracting("state").containsExactly("running", "succeeded");
    ItemUpdate last = h.items().get(h.items().size() - 1);
    assertThat(last.state()).isEqualTo("failed-over");
    assertThat(last.activeSiteId()).isEqualTo(TARGET.siteId());
    assertThat(last.lastAppliedSeq()).isEqualTo(2L);
  }

  @Test
  void R17_failoverRejectedDuringInitialReplication() throws InterruptedException {
    CountDownLatch copyMayEnd = new CountDownLatch(1);
    doAnswer(
            inv -> {
              copyMayEnd.await(10, TimeUnit.SECONDS);
              return new DiskCopied("d", 1, 1, 0);
            })
        .when(h.agent)
        .copyDisk(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.INITIAL_REPLICATION);

    assertThatThrownBy(() -> wf.failover(PLANNED))
        .isInstanceOf(WorkflowUpdateException.class)
        .cause()
        .isInstanceOf(ApplicationFailure.class)
        .extracting(e -> ((ApplicationFailure) e).getOriginalMessage())
        .isEqualTo(
            "failover is not allowed while the item is in state initial-replication;"
                + " it is allowed in state protected");

    copyMayEnd.countDown();
    h.awaitState(wf, ItemState.PROTECTED);
    verify(h.agent, never()).setPower(any());
    verify(h.agent, never()).hashDisks(any());
    assertThat(h.stepsOf(JOB)).isEmpty();
    assertThat(h.jobStates(JOB)).isEmpty();
  }

  @Test
  void R17_anUnknownFailoverTypeIsRejected() {
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    for (String type : List.of("sideways")) {
      assertThatThrownBy(() -> wf.failover(new FailoverRequest(JOB, type, "latest")))
          .isInstanceOf(WorkflowUpdateException.class)
          .cause()
          .extracting(e -> ((ApplicationFailure) e).getOriginalMessage())
          .isEqualTo(rejection(type));
    }
    assertThat(wf.status().state()).isEqualTo(ItemState.PROTECTED);
    verify(h.agent, never()).setPower(any());
  }

  private static String rejection(String type) {
    return "sideways".equals(type)
        ? "unknown failover type 'sideways'; expected planned, unplanned or test"
        : "failover type '" + type + "' is not supported yet; planned and unplanned failover are";
  }

  @Test
  void R17_hashMismatchRestartsTheSourceAndKeepsProtection() {
    String bad = "ff".repeat(32);
    doAnswer(
            inv -> {
              HashDisksInput in = inv.getArgument(0);
              return ProtectionHarness.hashes(in, "aa", in.vmId().equals(REPLICA) ? bad : "bb");
            })
        .when(h.agent)
        .hashDisks(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    wf.failover(PLANNED);
    ProtectionHarness.awaitTrue(() -> h.jobStates(JOB).size() == 2, "the failover job's end");

    InOrder order = inOrder(h.agent);
    order.verify(h.agent).setPower(new PowerInput(SOURCE.agentAddress(), VM, false));
    order.verify(h.agent).setPower(new PowerInput(SOURCE.agentAddress(), VM, true));
    verify(h.agent, never()).stopReplication(any());
    verify(h.agent, never()).setPower(new PowerInput(TARGET.agentAddress(), REPLICA, true));
    assertThat(h.stepsOf(JOB))
        .containsSubsequence("verify-replica:running", "verify-replica:failed")
        .doesNotContain("stop-replication:running");
    String error = h.jobStates(JOB).get(1).error();
    assertThat(h.jobStates(JOB).get(1).state()).isEqualTo("failed");
    assertThat(error)
        .contains("verify-replica")
        .contains("disk 2 of 2 differs")
        .contains("source disk d2 has sha256 bb")
        .contains("replica disk r2 has sha256 " + bad)
        .contains("powered on again");

    ItemStatus status = wf.status();
    assertThat(status.state()).isEqualTo(ItemState.PROTECTED);
    assertThat(status.health()).isEqualTo(Health.WARNING);
    assertThat(status.lastError()).isEqualTo(error);

    long before = h.cycles();
    h.skip(Duration.ofSeconds(COPY_FREQUENCY_SECONDS + 5));
    verify(h.agent, timeout(5_000).times((int) before + 1)).replicateCycle(any());
    assertThat(h.awaitState(wf, ItemState.PROTECTED).health()).isEqualTo(Health.NORMAL);
  }
}
