package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.dist.client.GuestDiskModel;
import dev.haven.dist.client.QemuIo;
import dev.haven.protocol.Vm;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.DrillReport;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.TestCleanupRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R27 test failover with real agents over mutual TLS: the test VM is a copy-on-write overlay of the
 * replica at the chosen point, served over NBD, while delta cycles keep applying new logs into the
 * replica underneath it. Its disk must read exactly as the source's disk at the point throughout,
 * its writes must never reach the replica, and its clean-up leaves a drill report.
 */
class TestFailoverRealAgentsTest {
  private static final int DISK = 16 << 20;

  @TempDir Path tmp;

  @Test
  void R27_testFailoverRunsAnOverlayAtThePointWhileReplicationGoesOn() throws Exception {
    try (RealAgentsRig rig = new RealAgentsRig(tmp)) {
      Vm vm = rig.runningVm("db", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(27);
      RealAgentsRig.write(vm, guest, random, 40);
      ProtectedItemWorkflow wf = rig.protect("item-t", vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      RealAgentsRig.write(vm, guest, random, 20);
      long point = rig.cycle(wf);
      String atPoint = guest.sha256();
      String replicaVmId = wf.status().replicaVmId();

      wf.failover(new FailoverRequest("job-test", "test", "rp-" + point));
      assertThat(rig.awaitJob("job-test")).isEqualTo("succeeded");
      rig.await(wf, ItemState.TEST_FAILOVER);
      assertThat(rig.store.steps("job-test"))
          .containsExactly(
              "create-test-vm:running",
              "create-test-vm:succeeded",
              "power-on-test-vm:running",
              "power-on-test-vm:succeeded");
      DrillReport drill = wf.drills().get(0);
      assertThat(drill.pointSeq()).isEqualTo(point);
      Vm testVm = rig.vmAtB(drill.testVmId());
      assertThat(testVm.getPowerState()).isEqualTo("on");
      assertThat(testVm.getNetworksList()).containsExactly("haven-test-item-t");
      assertThat(rig.hashOverNbd(testVm)).isEqualTo(atPoint);

      // Replication goes on: the guest overwrites much of the disk and cycles apply it into the
      // replica, under the test VM, which still reads the point.
      for (int i = 0; i < 3; i++) {
        RealAgentsRig.write(vm, guest, random, 60);
        rig.cycle(wf);
        assertThat(rig.hashOverNbd(testVm)).as("after cycle %d", i + 1).isEqualTo(atPoint);
      }
      assertThat(wf.status().state()).isEqualTo(ItemState.TEST_FAILOVER);

      // The drill writes to its VM; the replica does not see it.
      GuestDiskModel scratch = new GuestDiskModel(DISK);
      QemuIo.writeRandomBlocks(testVm.getDisks(0).getNbdUri(), scratch, random, 30);
      assertThat(rig.hashOverNbd(testVm)).isNotEqualTo(atPoint);
      RealAgentsRig.write(vm, guest, random, 10);
      rig.cycle(wf);
      Vm replica = rig.vmAtB(replicaVmId);
      assertThat(replica.getPowerState()).isEqualTo("off");
      assertThat(rig.hashAtB(replica)).isEqualTo(guest.sha256());

      wf.testFailoverCleanup(new TestCleanupRequest("job-clean", "passed", "app answered"));
      assertThat(rig.awaitJob("job-clean")).isEqualTo("succeeded");
      rig.await(wf, ItemState.PROTECTED);
      assertThatThrownBy(() -> rig.vmAtB(drill.testVmId()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
      List<DrillReport> drills = wf.drills();
      assertThat(drills).hasSize(1);
      DrillReport report = drills.get(0);
      assertThat(report.pointId()).isEqualTo("rp-" + point);
      assertThat(report.verdict()).isEqualTo("passed");
      assertThat(report.notes()).isEqualTo("app answered");
      assertThat(report.cleanupJobId()).isEqualTo("job-clean");
      assertThat(report.durationMillis()).isPositive();
      assertThat(report.startedAtMillis()).isEqualTo(drill.startedAtMillis());
      // The drill went to the store twice: when its VM ran, and ended by its clean-up.
      assertThat(rig.store.drills).hasSize(2);
      assertThat(rig.store.drills.get(0).endedAtMillis()).isNull();
      assertThat(rig.store.drills.get(0).testVmId()).isEqualTo(drill.testVmId());
      assertThat(rig.store.drills.get(1).verdict()).isEqualTo("passed");
      assertThat(rig.store.drills.get(1).durationMillis()).isEqualTo(report.durationMillis());
      assertThat(rig.store.drills.get(1).cleanupJobId()).isEqualTo("job-clean");

      // Protection was never interrupted: the next cycle lands as before.
      RealAgentsRig.write(vm, guest, random, 10);
      rig.cycle(wf);
      assertThat(rig.hashAtB(rig.vmAtB(replicaVmId))).isEqualTo(guest.sha256());
    }
  }
}
