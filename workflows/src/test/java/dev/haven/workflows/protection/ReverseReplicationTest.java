package dev.haven.workflows.protection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;

import dev.haven.workflows.activities.AgentActivities.DiskResynced;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.AgentActivities.SeededReplicaInput;
import dev.haven.workflows.activities.AgentActivities.StartReplicationInput;
import dev.haven.workflows.activities.StoreActivities.DirectionUpdate;
import dev.haven.workflows.model.ItemState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * R23/R25/R26 in the workflow, with mocked activities: committing a planned failover continues the
 * run as new in the reverse direction, whose first job takes the old source VM as the seeded
 * replica and resyncs it; a planned failover back and its commit reverse again (return home).
 */
class ReverseReplicationTest {

  /** Answers the reverse-replication calls that the healthy-agents harness leaves unanswered. */
  static void answerReverseCalls(ProtectionHarness h) {
    doAnswer(
            inv -> {
              SeededReplicaInput in = inv.getArgument(0);
              return new ReplicaPrepared(in.seedVmId(), ProtectionHarness.DISKS);
            })
        .when(h.agent)
        .prepareSeededReplica(any());
    doAnswer(inv -> new DiskResynced("d", 16, 1, 4096, 4096, 3)).when(h.agent).resyncDisk(any());
  }

  @Test
  void R23_aCommittedPlannedFailoverIsProtectedInTheReverseDirectionAndR26ReturnsHome()
      throws Exception {
    try (ProtectionHarness h = new ProtectionHarness()) {
      answerReverseCalls(h);
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      wf.failover(new FailoverRequest("job-away", "planned", "latest"));
      h.awaitState(wf, ItemState.FAILED_OVER);
      wf.commit(new AfterFailoverRequest("job-commit-away", null));
      ProtectionHarness.awaitTrue(
          () ->
              h.jobStates("job-commit-away").stream().anyMatch(j -> j.state().equals("succeeded")),
          "the reverse replication");
      h.awaitState(wf, ItemState.PROTECTED);

      assertThat(wf.status().replicaVmId()).isEqualTo(ProtectionHarness.VM);
      assertThat(h.stepsOf("job-commit-away"))
          .contains(
              ReverseSteps.POWER_OFF_SEED + ":succeeded",
              ReverseSteps.STOP_OLD_REPLICATION + ":succeeded",
              ReverseSteps.PREPARE_SEEDED_REPLICA + ":succeeded",
              ReverseSteps.START_REPLICATION + ":succeeded",
              ReverseSteps.RESYNC + ":succeeded",
              ReverseSteps.SHIP_CHANGES + ":succeeded");
      SeededReplicaInput seeded =
          ProtectionHarness.calls(h.agent, "prepareSeededReplica", SeededReplicaInput.class).get(0);
      assertThat(seeded.sourceAgent()).isEqualTo(ProtectionHarness.TARGET.agentAddress());
      assertThat(seeded.targetAgent()).isEqualTo(ProtectionHarness.SOURCE.agentAddress());
      assertThat(seeded.vmId()).isEqualTo(ProtectionHarness.REPLICA);
      assertThat(seeded.seedVmId()).isEqualTo(ProtectionHarness.VM);
      List<StartReplicationInput> starts =
          ProtectionHarness.calls(h.agent, "startReplication", StartReplicationInput.class);
      assertThat(starts.get(starts.size() - 1).sourceAgent())
          .isEqualTo(ProtectionHarness.TARGET.agentAddress());
      DirectionUpdate direction =
          ProtectionHarness.calls(h.store, "recordDirection", DirectionUpdate.class).get(0);
      assertThat(direction.vmId()).isEqualTo(ProtectionHarness.REPLICA);
      assertThat(direction.sourceHostId()).isEqualTo(ProtectionHarness.TARGET.hostId());
      assertThat(h.items().get(h.items().size() - 1).activeSiteId())
          .isEqualTo(ProtectionHarness.TARGET.siteId());

      // Return home: planned failover back to the primary, commit, reversed again.
      wf.failover(new FailoverRequest("job-home", "planned", "latest"));
      h.awaitState(wf, ItemState.FAILED_OVER);
      wf.commit(new AfterFailoverRequest("job-commit-home", null));
      ProtectionHarness.awaitTrue(
          () ->
              h.jobStates("job-commit-home").stream().anyMatch(j -> j.state().equals("succeeded")),
          "the second reverse replication");
      h.awaitState(wf, ItemState.PROTECTED);
      assertThat(wf.status().replicaVmId()).isEqualTo(ProtectionHarness.REPLICA);
      assertThat(h.items().get(h.items().size() - 1).activeSiteId())
          .isEqualTo(ProtectionHarness.SOURCE.siteId());
    }
  }
}
