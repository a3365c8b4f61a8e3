package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.ProtectionHarness.ENABLE_JOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import dev.haven.workflows.activities.AgentActivities.ReplicaNetworksInput;
import dev.haven.workflows.model.ItemState;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** R10's prerequisite check before anything is created, and R12's network mapping at finalize. */
class PrerequisitesTest {
  private final ProtectionHarness h = new ProtectionHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void R10_anUnmetPrerequisiteFailsTheJobNamingItAndCreatesNothing() {
    String unmet =
        "prerequisite not met: not enough free space at the target host 10.0.0.2:7443:"
            + " 1024 bytes free, 3221225472 bytes needed for the replica's disks;"
            + " free space or pair another host";
    doAnswer(
            inv -> {
              throw ApplicationFailure.newNonRetryableFailure(unmet, "PrerequisiteFailed");
            })
        .when(h.agent)
        .checkPrerequisites(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());

    ProtectionResult result = WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);

    assertThat(result.finalState()).isEqualTo(ItemState.ERROR);
    assertThat(h.stepsOf(ENABLE_JOB))
        .containsExactly("check-prerequisites:running", "check-prerequisites:failed");
    assertThat(h.jobStates(ENABLE_JOB).get(1).error()).isEqualTo("PrerequisiteFailed: " + unmet);
    verify(h.agent, never()).prepareReplica(any());
    verify(h.agent, never()).startReplication(any());
    assertThat(h.items().get(h.items().size() - 1).health()).isEqualTo("critical");
  }

  @Test
  void R12_finalizeVerifiesTheReplicasMappedNetworksBeforeTheItemIsProtected() {
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    assertThat(
            ProtectionHarness.calls(h.agent, "verifyReplicaNetworks", ReplicaNetworksInput.class))
        .singleElement()
        .satisfies(
            in -> {
              assertThat(in.replicaVmId()).isEqualTo(ProtectionHarness.REPLICA);
              assertThat(in.networkMapping()).isEqualTo(Map.of("lan", "dr-lan"));
            });
  }

  @Test
  void R12_aReplicaOnTheWrongNetworkStopsInErrorBeforeProtected() {
    doAnswer(
            inv -> {
              throw ApplicationFailure.newNonRetryableFailure(
                  "replica VM 'replica-1' is on networks [lan] but the pairing's network mapping"
                      + " asks for [dr-lan]; fix the mapping or the replica, then resume",
                  "ReplicaInvalidState");
            })
        .when(h.agent)
        .verifyReplicaNetworks(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());

    ProtectionResult result = WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);

    assertThat(result.finalState()).isEqualTo(ItemState.ERROR);
    String finalizeJob =
        ProtectionHarness.calls(
                h.store, "openJob", dev.haven.workflows.activities.StoreActivities.JobOpen.class)
            .get(0)
            .jobId();
    assertThat(h.stepsOf(finalizeJob))
        .contains("apply-network-mapping:failed")
        .doesNotContain("finalize:running");
    assertThat(h.jobStates(finalizeJob)).extracting("state").contains("failed");
    assertThat(h.jobStates(ENABLE_JOB)).extracting("state").contains("failed");
  }
}
