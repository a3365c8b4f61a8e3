package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.dist.guest.DemoGuest;
import dev.haven.dist.guest.GuestConsole;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.AfterFailoverRequest;
import dev.haven.workflows.protection.DrillReport;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.FailoverView;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.TestCleanupRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real guests (R5, R17, R19, R24, R27): the demo guest (a Debian kernel and a busybox initramfs
 * that keeps a log of numbered, checksummed records on its disk) runs under QEMU on both agents,
 * with its disk served by the agent's NBD server. A failover is proven by what the guest itself
 * finds when it boots at the secondary: every record it synced before a planned shutdown, and a
 * consistent prefix, never a torn record, at an unplanned failover's recovery point.
 */
class QemuGuestRealAgentsTest {
  /** Boot, under TCG on a loaded machine, and the first records: generous, never asserted on. */
  private static final int BOOT_SECONDS = 180;

  private static Path image;

  @TempDir Path tmp;

  @BeforeAll
  static void buildGuest() throws Exception {
    image = DemoGuest.build(DemoGuest.defaultCache());
  }

  @Test
  void R5_R19_R24_plannedFailoverBootsTheGuestAtSecondaryWithEveryRecordItSynced()
      throws Exception {
    try (RealAgentsRig rig = new RealAgentsRig(tmp, "qemu")) {
      Vm vm = importAndRun(rig, "demo-planned");
      GuestConsole atA = console(rig.configA.dataDir(), vm.getId());
      awaitSynced(atA, 3);
      assertThat(atA.boots()).containsExactly(new GuestConsole.Boot(0, 0));

      ProtectedItemWorkflow wf = rig.protect("item-qp", vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      long before = atA.lastSynced().orElseThrow();
      awaitSynced(atA, before + 3);
      rig.cycle(wf);
      String replicaId = wf.status().replicaVmId();

      wf.failover(new FailoverRequest("job-qpf", "planned", "latest"));
      assertThat(rig.awaitJob("job-qpf")).isEqualTo("succeeded");
      rig.await(wf, ItemState.FAILED_OVER);

      // The source guest shut down through the ACPI power button after its last synced record.
      long lastSynced = atA.shutdownLastSynced().orElseThrow();
      assertThat(lastSynced).isEqualTo(atA.lastSynced().orElseThrow()).isGreaterThan(before);
      assertThat(rig.agentA().getVm(VmRef.newBuilder().setVmId(vm.getId()).build()).getPowerState())
          .isEqualTo("off");

      // At the secondary the replica boots from its own disk and finds every one of them.
      FailoverView running = wf.failedOver();
      assertThat(running.vmId()).isEqualTo(replicaId);
      assertThat(rig.vmAtB(replicaId).getPowerState()).isEqualTo("on");
      GuestConsole atB = console(rig.configB.dataDir(), replicaId);
      assertThat(atB.await(c -> !c.boots().isEmpty(), BOOT_SECONDS))
          .as("the guest at the secondary boots; console %s", atB.path())
          .isTrue();
      assertThat(atB.boots().get(0)).isEqualTo(new GuestConsole.Boot(lastSynced, 0));
      // R19: it runs on the pairing's target network, with a NIC.
      assertThat(qemuLog(rig.configB.dataDir(), replicaId)).contains("-nic user");

      // R24: the operator commits; the guest keeps running and writing at the secondary, and the
      // item is protected again in the reverse direction, into the old source VM, which stays off.
      wf.commit(new AfterFailoverRequest("job-qc", null));
      assertThat(rig.awaitJob("job-qc")).isEqualTo("succeeded");
      rig.await(wf, ItemState.PROTECTED);
      assertThat(wf.status().replicaVmId()).isEqualTo(vm.getId());
      awaitSynced(atB, lastSynced + 3);
      assertThat(rig.vmAtB(replicaId).getPowerState()).isEqualTo("on");
      assertThat(rig.agentA().getVm(VmRef.newBuilder().setVmId(vm.getId()).build()).getPowerState())
          .isEqualTo("off");
    }
  }

  @Test
  void R17_R27_testFailoverBootsAnIsolatedCopyAndAnUnplannedFailoverFindsAConsistentPrefix()
      throws Exception {
    try (RealAgentsRig rig = new RealAgentsRig(tmp, "qemu")) {
      Vm vm = importAndRun(rig, "demo-unplanned");
      GuestConsole atA = console(rig.configA.dataDir(), vm.getId());
      awaitSynced(atA, 3);
      ProtectedItemWorkflow wf = rig.protect("item-qu", vm.getId());
      rig.await(wf, ItemState.PROTECTED);

      // A recovery point while the guest writes: it holds records 1..k for some k the guest had
      // synced by the time the cycle ended, and at least those synced before it began.
      awaitSynced(atA, atA.lastSynced().orElseThrow() + 2);
      long from = atA.lastSynced().orElseThrow();
      long point = rig.cycle(wf);
      long to = atA.lastSynced().orElseThrow() + 1;

      // R27: a test failover boots a copy at the point on an isolated network (no NIC) while the
      // original keeps running and replicating.
      wf.failover(new FailoverRequest("job-qt", "test", "rp-" + point));
      assertThat(rig.awaitJob("job-qt")).isEqualTo("succeeded");
      rig.await(wf, ItemState.TEST_FAILOVER);
      DrillReport drill = wf.drills().get(0);
      GuestConsole atTest = console(rig.configB.dataDir(), drill.testVmId());
      assertThat(atTest.await(c -> !c.boots().isEmpty(), BOOT_SECONDS))
          .as("the test VM boots; console %s", atTest.path())
          .isTrue();
      GuestConsole.Boot testBoot = atTest.boots().get(0);
      assertThat(testBoot.torn()).isZero();
      assertThat(testBoot.lastIntactRecord()).isBetween(from, to);
      assertThat(qemuLog(rig.configB.dataDir(), drill.testVmId())).contains("-nic none");
      long duringTest = atA.lastSynced().orElseThrow();
      awaitSynced(atA, duringTest + 2);
      long laterPoint = rig.cycle(wf);
      assertThat(laterPoint).isGreaterThan(point);
      wf.testFailoverCleanup(new TestCleanupRequest("job-qtc", "passed", "guest found its log"));
      assertThat(rig.awaitJob("job-qtc")).isEqualTo("succeeded");
      rig.await(wf, ItemState.PROTECTED);

      // The guest at the source crashes: the agent notices and reports the VM off, and why.
      String replicaId = wf.status().replicaVmId();
      ProcessHandle qemu = qemuOf(vm.getId()).orElseThrow();
      qemu.destroyForcibly();
      Vm crashed = awaitOff(rig, vm.getId());
      assertThat(crashed.getPowerReason()).contains("killed");

      // The source site goes down; the operator fails over to the first point.
      rig.killA();
      wf.failover(new FailoverRequest("job-quf", "unplanned", "rp-" + point));
      assertThat(rig.awaitJob("job-quf")).isEqualTo("succeeded");
      rig.await(wf, ItemState.FAILED_OVER);
      FailoverView running = wf.failedOver();
      assertThat(running.pointSeq()).isEqualTo(point);
      assertThat(running.vmId()).isNotEqualTo(replicaId);
      GuestConsole atB = console(rig.configB.dataDir(), running.vmId());
      assertThat(atB.await(c -> !c.boots().isEmpty(), BOOT_SECONDS))
          .as("the failed-over VM boots; console %s", atB.path())
          .isTrue();
      // Crash-consistent: exactly the prefix the point held, never a torn record.
      assertThat(atB.boots().get(0)).isEqualTo(testBoot);
    }
  }

  private static Vm importAndRun(RealAgentsRig rig, String name) {
    Vm vm =
        rig.agentA()
            .createVm(
                CreateVmRequest.newBuilder()
                    .setName(name)
                    .setCpus(1)
                    .setMemoryMib(256)
                    .addNetworks("lan")
                    .setImagePath(image.toString())
                    .build());
    assertThat(vm.getDisksCount()).isEqualTo(1);
    return rig.agentA()
        .setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(true).build());
  }

  private static GuestConsole console(Path dataDir, String vmId) {
    return new GuestConsole(dataDir.resolve("vms").resolve(vmId).resolve("console.log"));
  }

  private static String qemuLog(Path dataDir, String vmId) throws Exception {
    return Files.readString(dataDir.resolve("vms").resolve(vmId).resolve("qemu.log"));
  }

  private static void awaitSynced(GuestConsole console, long record) throws Exception {
    assertThat(
            console.await(
                c -> c.lastSynced().isPresent() && c.lastSynced().getAsLong() >= record,
                BOOT_SECONDS))
        .as("the guest syncs record %d; console %s", record, console.path())
        .isTrue();
  }

  private static Optional<ProcessHandle> qemuOf(String vmId) {
    return ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("haven-" + vmId))
        .findFirst();
  }

  private static Vm awaitOff(RealAgentsRig rig, String vmId) {
    for (int i = 0; i < 300; i++) {
      Vm vm = rig.agentA().getVm(VmRef.newBuilder().setVmId(vmId).build());
      if (vm.getPowerState().equals("off")) {
        return vm;
      }
      RealAgentsRig.sleep(100);
    }
    throw new AssertionError("VM " + vmId + " was never reported off");
  }
}
