package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.cloud.layout.CloudKeys;
import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import dev.haven.dist.CloudObjects;
import dev.haven.dist.client.GuestDiskModel;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.AfterFailoverRequest;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.FailoverView;
import dev.haven.workflows.protection.LifecycleRequest;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionResult;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R21 through the protection workflow with real agents: protect to a cloud site (a folder store;
 * agent "b" is the cloud host), fail over there and commit, let the guest write in the cloud VM,
 * then fail back home and commit, which protects the VM at home to the cloud again. Every step's
 * disk is compared by SHA-256 with what the guest wrote; the failback's bytes and the reprotect's
 * new chunks are counted.
 */
class CloudFailbackRealAgentsTest {
  private static final int DISK = 64 << 20;
  private static final int BLOCK = 64 << 10;
  private static final int CHUNK = 4 << 20;
  private static final String ITEM = "item-fb";

  @TempDir Path tmp;

  /**
   * Protects a running VM to the cloud, fails it over there (planned) and commits. Answers the
   * SHA-256 of each 4 MiB chunk of the disk as the initial upload stored it.
   */
  private List<String> inTheCloud(
      RealAgentsRig rig, Vm vm, GuestDiskModel guest, SplittableRandom random) throws Exception {
    RealAgentsRig.write(vm, guest, random, 40);
    ProtectedItemWorkflow wf = rig.protect(ITEM, vm.getId());
    rig.await(wf, ItemState.PROTECTED);
    List<String> base = chunkHashes(guest);
    RealAgentsRig.write(vm, guest, random, 3);
    rig.cycle(wf);
    RealAgentsRig.write(vm, guest, random, 2); // carried by the failover's last cycle

    wf.failover(new FailoverRequest("job-away", "planned", "latest"));
    assertThat(rig.awaitJob("job-away")).isEqualTo("succeeded");
    Vm inCloud = rig.vmAtB(wf.failedOver().vmId());
    assertThat(rig.hashOverNbd(inCloud)).isEqualTo(guest.sha256());
    wf.commit(new AfterFailoverRequest("job-away-commit", null));
    assertThat(rig.awaitJob("job-away-commit")).isEqualTo("succeeded");
    // The run stays, committed in the cloud, for the failback.
    rig.await(wf, ItemState.COMMITTED);
    assertThat(activeSite(rig)).isEqualTo(rig.target().siteId());
    return base;
  }

  /** SHA-256 of each 4 MiB chunk of what the guest wrote. */
  private static List<String> chunkHashes(GuestDiskModel guest) {
    List<String> out = new java.util.ArrayList<>();
    for (int at = 0; at < guest.size(); at += CHUNK) {
      out.add(guest.sha256(at, CHUNK));
    }
    return out;
  }

  private static Vm cloudVm(RealAgentsRig rig) {
    return rig.vmAtB(rig.workflow(ITEM).failedOver().vmId());
  }

  @Test
  void R21_failbackToTheOriginalSendsOnlyDifferingBlocksThenReprotectsToTheCloud()
      throws Exception {
    String storage = tmp.resolve("cloud-storage").toUri().toString();
    try (RealAgentsRig rig = RealAgentsRig.cloud(tmp, storage)) {
      Vm vm = rig.runningVm("app", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(21);
      List<String> base = inTheCloud(rig, vm, guest, random);
      Vm inCloud = cloudVm(rig);
      ProtectedItemWorkflow wf = rig.workflow(ITEM);
      Set<String> chunksBefore = chunks(storage, ITEM, vm.getDisks(0).getId());
      List<String> atFailover = chunkHashes(guest);

      // The workload writes in the cloud: 3 blocks of 64 KiB.
      RealAgentsRig.write(inCloud, guest, random, 3);
      String written = guest.sha256();
      assertThat(rig.hashOverNbd(inCloud)).isEqualTo(written);

      // Only planned failover home is allowed from the cloud.
      assertThatThrownBy(() -> wf.failover(new FailoverRequest("job-x", "unplanned", "latest")))
          .isInstanceOf(WorkflowUpdateException.class)
          .rootCause()
          .hasMessageContaining(
              "the item is failed over to a cloud site; only a planned failover (the failback)"
                  + " is allowed now, not unplanned");

      wf.failover(new FailoverRequest("job-back", "planned", "latest"));
      assertThat(rig.awaitJob("job-back")).isEqualTo("succeeded");
      rig.await(wf, ItemState.FAILED_OVER);
      FailoverView home = wf.failedOver();
      assertThat(home.vmId()).isEqualTo(vm.getId());
      // The cloud VM was shut down first; the original runs with every write made in the cloud.
      assertThat(rig.vmAtB(inCloud.getId()).getPowerState()).isEqualTo("off");
      Vm original = rig.agentA().getVm(VmRef.newBuilder().setVmId(vm.getId()).build());
      assertThat(original.getPowerState()).isEqualTo("on");
      assertThat(rig.hashOverNbd(original)).isEqualTo(written);
      // Only the differing blocks travelled: 3 blocks of 64 KiB, at most, plus framing.
      assertThat(home.syncedBytes()).isBetween((long) BLOCK, 3L * BLOCK + 8192);
      assertThat(rig.store.steps("job-back"))
          .contains(
              "power-off-cloud-vm:succeeded",
              "resync-disks:succeeded",
              "verify-disks:succeeded",
              "power-on-vm:succeeded");
      assertThat(activeSite(rig)).isEqualTo(rig.source().siteId());

      // Commit: the cloud VM goes and the original is protected to the cloud again. The store's
      // newest point is folded into a base first, then the copy uploads what differs from it; so
      // the new chunks are exactly those whose contents the stored base lacked.
      Set<String> expected = new HashSet<>(atFailover);
      expected.addAll(chunkHashes(guest));
      expected.removeAll(base);
      assertThat(expected).hasSizeLessThanOrEqualTo(base.size() / 2);
      wf.commit(new AfterFailoverRequest("job-back-commit", null));
      assertThat(rig.awaitJob("job-back-commit")).isEqualTo("succeeded");
      rig.await(wf, ItemState.PROTECTED);
      assertThat(rig.vmIdsAtB()).doesNotContain(inCloud.getId());
      Set<String> chunksAfter = chunks(storage, ITEM, vm.getDisks(0).getId());
      Set<String> added = new HashSet<>(chunksAfter);
      added.removeAll(chunksBefore);
      assertThat(added).hasSameSizeAs(expected);

      // Protection goes on at home: a new write reaches a cloud point that rebuilds exactly.
      RealAgentsRig.write(original, guest, random, 4);
      rig.cycle(wf);
      wf.failover(new FailoverRequest("job-drill", "test", "latest"));
      assertThat(rig.awaitJob("job-drill")).isEqualTo("succeeded");
      Vm drill = rig.vmAtB(wf.drills().get(0).testVmId());
      assertThat(rig.hashAtB(drill)).isEqualTo(guest.sha256());
    }
  }

  @Test
  void R21_failbackToAnAlternateLocationCopiesIntoANewVmAndCancelGoesBackToTheCloud()
      throws Exception {
    String storage = tmp.resolve("cloud-storage").toUri().toString();
    try (RealAgentsRig rig = RealAgentsRig.cloud(tmp, storage)) {
      Vm vm = rig.runningVm("db", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(23);
      inTheCloud(rig, vm, guest, random);
      Vm inCloud = cloudVm(rig);
      ProtectedItemWorkflow wf = rig.workflow(ITEM);
      RealAgentsRig.write(inCloud, guest, random, 6);

      // A new VM on the alternate host (here the primary host, beside the original).
      wf.failover(
          new FailoverRequest("job-alt", "planned", "latest", null, null, null, rig.source()));
      assertThat(rig.awaitJob("job-alt")).isEqualTo("succeeded");
      FailoverView alternate = wf.failedOver();
      assertThat(alternate.vmId()).isNotEqualTo(vm.getId());
      Vm built = rig.agentA().getVm(VmRef.newBuilder().setVmId(alternate.vmId()).build());
      assertThat(built.getPowerState()).isEqualTo("on");
      assertThat(built.getNetworksList()).containsExactly("lan");
      assertThat(rig.hashOverNbd(built)).isEqualTo(guest.sha256());
      // A full copy: every non-zero chunk of the disk travelled.
      assertThat(alternate.syncedBytes()).isGreaterThan(DISK / 4);
      assertThat(rig.store.steps("job-alt")).contains("copy-disks:succeeded");

      // Cancel: the new VM goes and the cloud VM runs the workload again.
      wf.cancel(new AfterFailoverRequest("job-alt-cancel", null));
      assertThat(rig.awaitJob("job-alt-cancel")).isEqualTo("succeeded");
      rig.await(wf, ItemState.COMMITTED);
      assertThat(listIds(rig)).doesNotContain(alternate.vmId());
      assertThat(rig.vmAtB(inCloud.getId()).getPowerState()).isEqualTo("on");
      assertThat(rig.hashOverNbd(rig.vmAtB(inCloud.getId()))).isEqualTo(guest.sha256());
      assertThat(activeSite(rig)).isEqualTo(rig.target().siteId());
    }
  }

  @Test
  void R21_protectionDisabledInTheCloudLeavesTheWorkloadRunningThere() throws Exception {
    String storage = tmp.resolve("cloud-storage").toUri().toString();
    try (RealAgentsRig rig = RealAgentsRig.cloud(tmp, storage)) {
      Vm vm = rig.runningVm("mig", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      inTheCloud(rig, vm, guest, new SplittableRandom(29));
      Vm inCloud = cloudVm(rig);
      ProtectedItemWorkflow wf = rig.workflow(ITEM);

      // A migration to the cloud: protection ends, the cloud VM is the workload and stays; with
      // replica deletion the item's recovery points leave the store (the VM does not need them).
      assertThat(CloudObjects.ofItem(storage, ITEM)).isNotEmpty();
      wf.disable(new LifecycleRequest("job-off", true));
      ProtectionResult result = WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);
      assertThat(result.finalState()).isEqualTo(ItemState.DISABLED);
      assertThat(rig.store.steps("job-off"))
          .containsExactly(
              "delete-cloud-objects:running",
              "delete-cloud-objects:succeeded",
              "keep-cloud-vm:running",
              "keep-cloud-vm:succeeded");
      assertThat(CloudObjects.ofItem(storage, ITEM)).isEmpty();
      Vm stillThere = rig.vmAtB(inCloud.getId());
      assertThat(stillThere.getPowerState()).isEqualTo("on");
      assertThat(rig.hashOverNbd(stillThere)).isEqualTo(guest.sha256());
    }
  }

  /** The site the store last saw the item active at. */
  private static String activeSite(RealAgentsRig rig) {
    return rig.store.items.get(rig.store.items.size() - 1).activeSiteId();
  }

  private static List<String> listIds(RealAgentsRig rig) {
    return rig
        .agentA()
        .listVms(dev.haven.protocol.ListVmsRequest.getDefaultInstance())
        .getVmsList()
        .stream()
        .map(Vm::getId)
        .toList();
  }

  private static Set<String> chunks(String storage, String itemId, String diskId) throws Exception {
    try (ObjectStore store = ObjectStores.open(storage)) {
      return new HashSet<>(store.list(CloudKeys.chunks(itemId, diskId)));
    }
  }
}
