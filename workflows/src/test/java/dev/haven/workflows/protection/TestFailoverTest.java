package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.ProtectionHarness.ITEM;
import static dev.haven.workflows.protection.ProtectionHarness.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;

import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.TestVmCreated;
import dev.haven.workflows.activities.AgentActivities.TestVmInput;
import dev.haven.workflows.model.ItemState;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Test failover (R27) in the workflow, with mocked agents on the time-skipping test server. */
class TestFailoverTest {
  private static final String JOB = "job-test";
  private final ProtectionHarness h = new ProtectionHarness();

  @BeforeEach
  void testVmAnswer() {
    doAnswer(inv -> new TestVmCreated("test-vm-1", "rp-2", 2, 120_000L))
        .when(h.agent)
        .createTestVm(any());
  }

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void R27_aDrillRunsBesideReplicationAndItsCleanUpLeavesAReport() {
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    wf.failover(new FailoverRequest(JOB, "test", "rp-2"));
    h.awaitState(wf, ItemState.TEST_FAILOVER);

    verify(h.agent)
        .createTestVm(new TestVmInput(ITEM, TARGET.agentAddress(), "rp-2", "haven-test-" + ITEM));
    verify(h.agent).setPower(new PowerInput(TARGET.agentAddress(), "test-vm-1", true));
    verify(h.agent, never()).stopReplication(any());
    // Cycles go on during the drill.
    long before = h.cycles();
    h.skip(Duration.ofSeconds(ProtectionHarness.COPY_FREQUENCY_SECONDS * 3L + 5));
    verify(h.agent, timeout(5_000).times((int) before + 3)).replicateCycle(any());
    assertThat(wf.status().state()).isEqualTo(ItemState.TEST_FAILOVER);
    assertThatThrownBy(() -> wf.failover(new FailoverRequest("job-again", "planned", "latest")))
        .isInstanceOf(WorkflowUpdateException.class)
        .cause()
        .extracting(e -> ((ApplicationFailure) e).getOriginalMessage())
        .isEqualTo(
            "a test failover runs for this item (test VM test-vm-1); clean it up before another"
                + " failover");

    wf.testFailoverCleanup(new TestCleanupRequest("job-clean", "failed", "db did not start"));
    h.awaitState(wf, ItemState.PROTECTED);

    verify(h.agent).deleteVm(new DeleteVmInput(TARGET.agentAddress(), "test-vm-1"));
    List<DrillReport> drills = wf.drills();
    assertThat(drills).hasSize(1);
    DrillReport report = drills.get(0);
    assertThat(report.jobId()).isEqualTo(JOB);
    assertThat(report.pointId()).isEqualTo("rp-2");
    assertThat(report.verdict()).isEqualTo("failed");
    assertThat(report.notes()).isEqualTo("db did not start");
    assertThat(report.cleanupJobId()).isEqualTo("job-clean");
    assertThat(report.durationMillis())
        .isGreaterThanOrEqualTo((ProtectionHarness.COPY_FREQUENCY_SECONDS * 3L + 5) * 1000);
    assertThat(h.stepsOf("job-clean"))
        .containsExactly("delete-test-vm:running", "delete-test-vm:succeeded");
  }

  @Test
  void R27_cleanUpWithoutADrillIsRejectedNamingTheState() {
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    assertThatThrownBy(
            () -> wf.testFailoverCleanup(new TestCleanupRequest("job-clean", "passed", null)))
        .isInstanceOf(WorkflowUpdateException.class)
        .cause()
        .extracting(e -> ((ApplicationFailure) e).getOriginalMessage())
        .isEqualTo(
            "test-failover-cleanup is not allowed while the item is in state protected;"
                + " it is allowed in state test-failover");
    verify(h.agent, never()).deleteVm(any());
  }
}
