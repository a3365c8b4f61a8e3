package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.ProtectionHarness.ENABLE_JOB;
import static dev.haven.workflows.protection.ProtectionHarness.REPLICA;
import static dev.haven.workflows.protection.ProtectionHarness.SOURCE;
import static dev.haven.workflows.protection.ProtectionHarness.TARGET;
import static dev.haven.workflows.protection.ProtectionHarness.VM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.PowerResult;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** What failures of the agents do to the item (R16) and how a late failover step is undone. */
class ErrorHandlingTest {
  private final ProtectionHarness h = new ProtectionHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void R16_nonRecoverableErrorDuringEnableMakesTheItemCritical() {
    doAnswer(
            inv -> {
              throw ApplicationFailure.newNonRetryableFailure(
                  "GetVm on agent 10.0.0.1:7443 failed (NOT_FOUND): vm vm-1 does not exist",
                  "VmNotFound");
            })
        .when(h.agent)
        .prepareReplica(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());

    ProtectionResult result = WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);

    assertThat(result.finalState()).isEqualTo(ItemState.ERROR);
    assertThat(h.items().get(h.items().size() - 1))
        .satisfies(
            u -> {
              assertThat(u.state()).isEqualTo("error");
              assertThat(u.health()).isEqualTo("critical");
              assertThat(u.lastError())
                  .isEqualTo(
                      "VmNotFound: GetVm on agent 10.0.0.1:7443"
                          + " failed (NOT_FOUND): vm vm-1 does not exist");
            });
    assertThat(h.stepsOf(ENABLE_JOB))
        .containsExactly(
            "check-prerequisites:running",
            "check-prerequisites:succeeded",
            "prepare-replica:running",
            "prepare-replica:failed");
    assertThat(h.jobStates(ENABLE_JOB)).extracting("state").containsExactly("running", "failed");
    verify(h.agent, times(1)).prepareReplica(any());
  }

  @Test
  void R16_recoverableErrorDuringEnableWaitsAndTriesAgain() {
    AtomicInteger calls = new AtomicInteger();
    doAnswer(
            inv -> {
              if (calls.incrementAndGet() <= 5) {
                throw ApplicationFailure.newFailure("agent restarting", "NetworkError");
              }
              return new ReplicaPrepared(REPLICA, ProtectionHarness.DISKS);
            })
        .when(h.agent)
        .prepareReplica(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());

    // Five activity attempts (2 + 4 + 8 + 16 s apart) fail; the item shows a warning.
    h.skip(Duration.ofSeconds(40));
    ItemStatus waiting = h.awaitStatus(wf, s -> s.health() == Health.WARNING, "health warning");
    assertThat(waiting.state()).isEqualTo(ItemState.ENABLING);
    assertThat(waiting.lastError()).isEqualTo("NetworkError: agent restarting");

    // After R16's first back-off of one minute the enable runs again and succeeds.
    h.skip(Duration.ofMinutes(1));
    ItemStatus done = h.awaitState(wf, ItemState.PROTECTED);
    assertThat(done.health()).isEqualTo(Health.NORMAL);
    ProtectionHarness.awaitTrue(() -> h.jobStates(ENABLE_JOB).size() == 2, "the job's end");
    assertThat(h.jobStates(ENABLE_JOB)).extracting("state").containsExactly("running", "succeeded");
    assertThat(h.stepsOf(ENABLE_JOB))
        .containsSubsequence(
            "prepare-replica:running", "prepare-replica:failed", "prepare-replica:running");
  }

  @Test
  void R17_replicaThatWillNotStartRestartsReplicationAndTheSource() {
    doAnswer(
            inv -> {
              PowerInput in = inv.getArgument(0);
              if (in.vmId().equals(REPLICA)) {
                throw ApplicationFailure.newNonRetryableFailure(
                    "SetPower on agent 10.0.0.2:7443 failed (FAILED_PRECONDITION): replica is"
                        + " locked",
                    "ReplicaInvalidState");
              }
              return new PowerResult(in.vmId(), in.on() ? "on" : "off");
            })
        .when(h.agent)
        .setPower(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    wf.failover(new FailoverRequest("job-fo", "planned", "latest"));
    ProtectionHarness.awaitTrue(() -> h.jobStates("job-fo").size() == 2, "the failover's end");

    InOrder order = inOrder(h.agent);
    order.verify(h.agent, times(2)).stopReplication(any());
    order.verify(h.agent).prepareReplica(any());
    order.verify(h.agent).startReplication(argThat(in -> in.replicaVmId().equals(REPLICA)));
    order.verify(h.agent).setPower(new PowerInput(SOURCE.agentAddress(), VM, true));
    assertThat(h.jobStates("job-fo").get(1).error())
        .startsWith("planned failover stopped at step power-on-replica: ReplicaInvalidState:")
        .contains("replica is locked");
    ItemStatus status = wf.status();
    assertThat(status.state()).isEqualTo(ItemState.PROTECTED);
    assertThat(status.health()).isEqualTo(Health.WARNING);
    verify(h.agent, times(1)).setPower(new PowerInput(TARGET.agentAddress(), REPLICA, true));
  }
}
