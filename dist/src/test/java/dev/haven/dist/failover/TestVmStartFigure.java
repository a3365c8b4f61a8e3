package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.dist.client.GuestDiskModel;
import dev.haven.protocol.CreateTestVmRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A figure, not a test (R27): how long CreateTestVm plus power-on takes for a small and a large
 * disk, printed as RESULT lines. Runs only when asked: {@code ./mvnw -pl dist -am verify
 * -Dtest=TestVmStartFigure -Dsurefire.failIfNoSpecifiedTests=false -Dhaven.figures=true}.
 */
@EnabledIfSystemProperty(named = "haven.figures", matches = "true")
class TestVmStartFigure {
  @TempDir Path tmp;

  @Test
  void printsTestVmStartTimeForASmallAndALargeDisk() throws Exception {
    try (RealAgentsRig rig = new RealAgentsRig(tmp)) {
      for (long size : new long[] {16L << 20, 2L << 30}) {
        Vm vm = rig.runningVm("size-" + size, size);
        GuestDiskModel guest = new GuestDiskModel(16 << 20);
        RealAgentsRig.write(vm, guest, new SplittableRandom(1), 20);
        String item = "item-" + (size >> 20);
        ProtectedItemWorkflow wf = rig.protect(item, vm.getId());
        rig.await(wf, ItemState.PROTECTED);
        RealAgentsRig.write(vm, guest, new SplittableRandom(2), 20);
        rig.cycle(wf);
        long start = System.nanoTime();
        MaterializeRecoveryPointResponse test =
            rig.agentB()
                .createTestVm(
                    CreateTestVmRequest.newBuilder()
                        .setItemId(item)
                        .setNetwork("haven-test-" + item)
                        .build());
        Vm on =
            rig.agentB()
                .setPower(
                    SetPowerRequest.newBuilder().setVmId(test.getVm().getId()).setOn(true).build());
        double ms = (System.nanoTime() - start) / 1e6;
        assertThat(on.getPowerState()).isEqualTo("on");
        System.out.printf("RESULT test_vm_start_ms_disk_%dMiB=%.1f%n", size >> 20, ms);
      }
    }
  }
}
