package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.dist.client.GuestDiskModel;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.Vm;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.AfterFailoverRequest;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.FailoverView;
import dev.haven.workflows.protection.OldSourceFence;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionResult;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R17 unplanned failover, R20 change of recovery point and R24 commit with real agents over mutual
 * TLS, the real activities and the protection workflow on the Temporal test server: the guest
 * writes through NBD, each delta cycle makes a recovery point whose source disk hash the test
 * records, the source agent is killed, and every VM the failover runs must hold exactly the bytes
 * the source had at the chosen point.
 */
class UnplannedFailoverRealAgentsTest {
  private static final int DISK = 8 << 20;

  @TempDir Path tmp;

  @Test
  void R17_unplannedFailoverWithTheSourceKilledRunsExactlyTheChosenPoint() throws Exception {
    try (RealAgentsRig rig = new RealAgentsRig(tmp)) {
      Vm vm = rig.runningVm("web", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(17);
      RealAgentsRig.write(vm, guest, random, 30);
      ProtectedItemWorkflow wf = rig.protect("item-u", vm.getId());
      rig.await(wf, ItemState.PROTECTED);

      // Three recovery points; the source's disk at each is what the guest had written then.
      Map<Long, String> sourceAt = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        RealAgentsRig.write(vm, guest, random, 12);
        sourceAt.put(rig.cycle(wf), guest.sha256());
      }
      List<Long> seqs = sourceAt.keySet().stream().sorted().toList();
      assertThat(seqs).hasSize(3);
      long middle = seqs.get(1);
      long newest = seqs.get(2);
      // These writes never leave the source: the site goes down before the next cycle.
      RealAgentsRig.write(vm, guest, random, 12);
      String replicaVmId = wf.status().replicaVmId();
      rig.killA();
      List<String> vmsBefore = rig.vmIdsAtB();

      // A point the target does not hold fails the failover; nothing is left behind.
      wf.failover(new FailoverRequest("job-bad", "unplanned", "latest-app-consistent"));
      assertThat(rig.awaitJob("job-bad")).isEqualTo("failed");
      assertThat(rig.store.states("job-bad").get(1).error()).contains("app-consistent");
      assertThat(rig.await(wf, ItemState.PROTECTED).replicaVmId()).isEqualTo(replicaVmId);
      assertThat(rig.vmIdsAtB()).containsExactlyInAnyOrderElementsOf(vmsBefore);

      // The operator picks the middle point: the VM that runs holds exactly the source's bytes
      // then.
      wf.failover(
          new FailoverRequest(
              "job-uf", "unplanned", "rp-" + middle, null, "10.20.0.5", "203.0.113.9"));
      assertThat(rig.awaitJob("job-uf")).isEqualTo("succeeded");
      rig.await(wf, ItemState.FAILED_OVER);
      FailoverView running = wf.failedOver();
      assertThat(running.pointSeq()).isEqualTo(middle);
      Vm copy = rig.vmAtB(running.vmId());
      assertThat(copy.getPowerState()).isEqualTo("on");
      // R19: the pairing's network mapping, and the addresses the failover asked for, in vm.json.
      assertThat(copy.getNetworksList()).containsExactly("dr-lan");
      assertAddresses(rig, copy.getId());
      assertThat(rig.hashOverNbd(copy)).isEqualTo(sourceAt.get(middle));
      // The replica with its points is untouched and stays off.
      Vm replica = rig.vmAtB(replicaVmId);
      assertThat(replica.getPowerState()).isEqualTo("off");
      assertThat(rig.hashAtB(replica)).isEqualTo(sourceAt.get(newest));

      // R20: the operator changes to the newest point; the running VM is rebuilt at it.
      wf.changeRecoveryPoint(new AfterFailoverRequest("job-change", "latest"));
      assertThat(rig.awaitJob("job-change")).isEqualTo("succeeded");
      FailoverView changed = wf.failedOver();
      assertThat(changed.pointSeq()).isEqualTo(newest);
      Vm rebuilt = rig.vmAtB(changed.vmId());
      assertThat(rig.hashOverNbd(rebuilt)).isEqualTo(sourceAt.get(newest));
      assertAddresses(rig, rebuilt.getId());
      assertGone(rig, running.vmId());

      // R24: commit keeps the workload at the target for good; the replica and its points go.
      wf.commit(new AfterFailoverRequest("job-commit", null));
      ProtectionResult result = WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);
      assertThat(result.finalState()).isEqualTo(ItemState.COMMITTED);
      assertGone(rig, replicaVmId);
      assertThat(rig.vmAtB(changed.vmId()).getPowerState()).isEqualTo("on");
      assertThat(rig.hashOverNbd(rig.vmAtB(changed.vmId()))).isEqualTo(sourceAt.get(newest));
      assertThat(rig.store.steps("job-commit"))
          .containsExactly(
              "stop-replication:running",
              "stop-replication:succeeded",
              "discard-other-points:running",
              "discard-other-points:succeeded",
              "fence-old-source:running",
              "fence-old-source:succeeded");

      // The source site comes back and its agent starts the old VM again, as it was running when
      // the site went down: the fence that the commit left behind powers it off and ends its
      // source role, so that only the failed-over VM runs.
      rig.restartA();
      OldSourceFence.Result fenced =
          rig.client
              .newUntypedWorkflowStub(OldSourceFence.workflowId("item-u"))
              .getResult(60, TimeUnit.SECONDS, OldSourceFence.Result.class);
      assertThat(fenced.vmWasGone()).isFalse();
      assertThat(rig.vmAtA(vm.getId()).getPowerState()).isEqualTo("off");
      assertThat(rig.vmAtB(changed.vmId()).getPowerState()).isEqualTo("on");
      assertThat(
              rig.agentA()
                  .getReplicationState(ItemRef.newBuilder().setItemId("item-u").build())
                  .getActive())
          .isFalse();
    }
  }

  private static void assertAddresses(RealAgentsRig rig, String vmId) throws Exception {
    JsonNode vmJson =
        new ObjectMapper()
            .readTree(
                rig.configB.dataDir().resolve("vms").resolve(vmId).resolve("vm.json").toFile());
    assertThat(vmJson.path("staticIp").asText()).isEqualTo("10.20.0.5");
    assertThat(vmJson.path("publicIp").asText()).isEqualTo("203.0.113.9");
    assertThat(vmJson.path("networks").get(0).asText()).isEqualTo("dr-lan");
  }

  private static void assertGone(RealAgentsRig rig, String vmId) {
    assertThatThrownBy(() -> rig.vmAtB(vmId))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }
}
