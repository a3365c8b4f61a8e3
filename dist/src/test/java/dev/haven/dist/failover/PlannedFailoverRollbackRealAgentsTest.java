package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.dist.client.GuestDiskModel;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R17 with real agents: a planned failover that fails after replication was stopped for it (the
 * target refuses the replica's address) rolls back, and protection goes on as it was: the source
 * runs again, delta cycles ship its new writes, and the replica holds exactly what the guest wrote.
 */
class PlannedFailoverRollbackRealAgentsTest {
  private static final int DISK = 16 << 20;

  @TempDir Path tmp;

  @Test
  void R17_aPlannedFailoverThatFailsLateRollsBackAndProtectionGoesOn() throws Exception {
    try (RealAgentsRig rig = new RealAgentsRig(tmp)) {
      Vm vm = rig.runningVm("app", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(17);
      RealAgentsRig.write(vm, guest, random, 40);
      ProtectedItemWorkflow wf = rig.protect("item-rb", vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      RealAgentsRig.write(vm, guest, random, 10);
      rig.cycle(wf);

      // The target refuses the address: the failover fails after replication stopped for it.
      wf.failover(new FailoverRequest("job-rb", "planned", "latest", null, "not-an-address", null));
      assertThat(rig.awaitJob("job-rb")).isEqualTo("failed");
      rig.await(wf, ItemState.PROTECTED);
      assertThat(rig.store.steps("job-rb")).contains("stop-replication:succeeded");
      Vm source = rig.agentA().getVm(VmRef.newBuilder().setVmId(vm.getId()).build());
      assertThat(source.getPowerState()).isEqualTo("on");

      // Protection goes on: new writes reach the replica.
      RealAgentsRig.write(source, guest, random, 10);
      long applied = rig.cycle(wf);
      assertThat(rig.hashAtB(rig.vmAtB(wf.status().replicaVmId()))).isEqualTo(guest.sha256());
      assertThat(
              rig.store.points.stream().filter(p -> p.itemId().equals("item-rb")).map(p -> p.seq()))
          .contains(applied);
    }
  }
}
