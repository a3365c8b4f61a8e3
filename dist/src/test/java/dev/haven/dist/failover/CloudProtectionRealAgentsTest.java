package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import dev.haven.dist.CloudObjects;
import dev.haven.dist.client.GuestDiskModel;
import dev.haven.protocol.CloudItemRef;
import dev.haven.protocol.CloudServiceGrpc;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.Vm;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.AfterFailoverRequest;
import dev.haven.workflows.protection.DrillReport;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.FailoverView;
import dev.haven.workflows.protection.LifecycleRequest;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionResult;
import dev.haven.workflows.protection.TestCleanupRequest;
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
 * Issue 8 through the protection workflow: the target site is a cloud site (its object store a
 * folder), so the item's workflow takes the cloud branch: the source agent uploads the disk and
 * every delta cycle's logs as encrypted objects, and the cloud site's host agent builds a VM at any
 * point. The guest writes with qemu-io over NBD; hashes are compared with what it wrote.
 */
class CloudProtectionRealAgentsTest {
  private static final int DISK = 16 << 20;

  @TempDir Path tmp;

  @Test
  void R6_protectionToACloudSiteUploadsObjectsAndEveryPointRebuildsTheGuestsDisk()
      throws Exception {
    String storage = tmp.resolve("cloud-storage").toUri().toString();
    try (RealAgentsRig rig = RealAgentsRig.cloud(tmp, storage)) {
      Vm vm = rig.runningVm("web", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(8);
      RealAgentsRig.write(vm, guest, random, 40);
      ProtectedItemWorkflow wf = rig.protect("item-cloud", vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      // No replica VM: the cloud site's compute is used only at failover.
      assertThat(wf.status().replicaVmId()).isNull();
      assertThat(rig.vmIdsAtB()).isEmpty();

      Map<Long, String> guestAt = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        RealAgentsRig.write(vm, guest, random, 10);
        guestAt.put(rig.cycle(wf), guest.sha256());
      }
      var cloudHost =
          CloudServiceGrpc.newBlockingStub(rig.channels.channel(rig.target().agentAddress()))
              .withDeadlineAfter(60, TimeUnit.SECONDS);
      List<Long> points =
          cloudHost
              .listCloudPoints(
                  CloudItemRef.newBuilder()
                      .setItemId("item-cloud")
                      .setCloudStorage(storage)
                      .build())
              .getPointsList()
              .stream()
              .map(RecoveryPoint::getSeq)
              .toList();
      assertThat(points).containsAll(guestAt.keySet());
      for (Map.Entry<Long, String> at : guestAt.entrySet()) {
        assertThat(rig.buildInCloud(storage, "item-cloud", at.getKey()))
            .as("rp-%d", at.getKey())
            .containsExactly(at.getValue());
      }
      try (ObjectStore store = ObjectStores.open(storage)) {
        assertThat(store.list("items/item-cloud/points/")).hasSizeGreaterThanOrEqualTo(3);
      }
    }
  }

  @Test
  void R6_disablingWithReplicaDeletionDeletesTheItemsObjectsAndKeepingThemKeepsThem()
      throws Exception {
    String storage = tmp.resolve("cloud-storage").toUri().toString();
    try (RealAgentsRig rig = RealAgentsRig.cloud(tmp, storage)) {
      SplittableRandom random = new SplittableRandom(12);
      Vm gone = rig.runningVm("gone", DISK);
      Vm kept = rig.runningVm("kept", DISK);
      GuestDiskModel goneGuest = new GuestDiskModel(DISK);
      RealAgentsRig.write(gone, goneGuest, random, 20);
      RealAgentsRig.write(kept, new GuestDiskModel(DISK), random, 20);
      ProtectedItemWorkflow goneWf = rig.protect("item-gone", gone.getId());
      ProtectedItemWorkflow keptWf = rig.protect("item-kept", kept.getId());
      rig.await(goneWf, ItemState.PROTECTED);
      rig.await(keptWf, ItemState.PROTECTED);
      rig.cycle(goneWf);
      rig.cycle(keptWf);
      List<String> keptObjects = CloudObjects.ofItem(storage, "item-kept");
      assertThat(CloudObjects.ofItem(storage, "item-gone")).contains("items/item-gone/data-key");

      goneWf.disable(new LifecycleRequest("job-gone", true));
      assertThat(WorkflowStub.fromTyped(goneWf).getResult(ProtectionResult.class).finalState())
          .isEqualTo(ItemState.DISABLED);
      assertThat(rig.store.steps("job-gone"))
          .contains("delete-cloud-objects:running", "delete-cloud-objects:succeeded");
      assertThat(CloudObjects.ofItem(storage, "item-gone")).isEmpty();
      // None of the other item's objects went (it goes on replicating meanwhile, so it may have
      // more), and the source VM runs on as it was.
      assertThat(CloudObjects.ofItem(storage, "item-kept")).containsAll(keptObjects);
      assertThat(rig.hashOverNbd(rig.vmAtA(gone.getId()))).isEqualTo(goneGuest.sha256());

      keptWf.disable(new LifecycleRequest("job-kept", false));
      assertThat(WorkflowStub.fromTyped(keptWf).getResult(ProtectionResult.class).finalState())
          .isEqualTo(ItemState.DISABLED);
      assertThat(rig.store.steps("job-kept")).doesNotContain("delete-cloud-objects:running");
      assertThat(CloudObjects.ofItem(storage, "item-kept")).containsAll(keptObjects);
    }
  }

  @Test
  void R17_unplannedFailoverToTheCloudRunsTheChosenPointThenChangesPointAndCommits()
      throws Exception {
    String storage = tmp.resolve("cloud-storage").toUri().toString();
    try (RealAgentsRig rig = RealAgentsRig.cloud(tmp, storage)) {
      Vm vm = rig.runningVm("db", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(17);
      RealAgentsRig.write(vm, guest, random, 30);
      ProtectedItemWorkflow wf = rig.protect("item-cu", vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      Map<Long, String> guestAt = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        RealAgentsRig.write(vm, guest, random, 8);
        guestAt.put(rig.cycle(wf), guest.sha256());
      }
      List<Long> seqs = guestAt.keySet().stream().sorted().toList();
      RealAgentsRig.write(vm, guest, random, 8); // never shipped: the site goes down
      rig.killA();

      wf.failover(
          new FailoverRequest(
              "job-cu", "unplanned", "rp-" + seqs.get(0), null, null, "203.0.113.20"));
      assertThat(rig.awaitJob("job-cu")).isEqualTo("succeeded");
      rig.await(wf, ItemState.FAILED_OVER);
      FailoverView running = wf.failedOver();
      Vm inCloud = rig.vmAtB(running.vmId());
      assertThat(inCloud.getPowerState()).isEqualTo("on");
      assertThat(inCloud.getNetworksList()).containsExactly("dr-lan");
      assertThat(rig.hashOverNbd(inCloud)).isEqualTo(guestAt.get(seqs.get(0)));

      // R20: the newest point instead; the cloud host builds it and the first VM goes.
      wf.changeRecoveryPoint(new AfterFailoverRequest("job-cchange", "latest"));
      assertThat(rig.awaitJob("job-cchange")).isEqualTo("succeeded");
      FailoverView changed = wf.failedOver();
      assertThat(changed.pointSeq()).isEqualTo(seqs.get(1));
      assertThat(rig.hashOverNbd(rig.vmAtB(changed.vmId()))).isEqualTo(guestAt.get(seqs.get(1)));
      assertThat(rig.vmIdsAtB()).containsExactly(changed.vmId());

      wf.commit(new AfterFailoverRequest("job-ccommit", null));
      assertThat(rig.awaitJob("job-ccommit")).isEqualTo("succeeded");
      // R21: the run stays, committed in the cloud, for the failback.
      assertThat(rig.await(wf, ItemState.COMMITTED).replicaVmId()).isEqualTo(changed.vmId());
      assertThat(rig.vmAtB(changed.vmId()).getPowerState()).isEqualTo("on");
    }
  }

  @Test
  void R17_plannedFailoverToTheCloudLosesNoWriteAndChecksTheHashes() throws Exception {
    String storage = tmp.resolve("cloud-storage").toUri().toString();
    try (RealAgentsRig rig = RealAgentsRig.cloud(tmp, storage)) {
      Vm vm = rig.runningVm("app", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(19);
      RealAgentsRig.write(vm, guest, random, 30);
      ProtectedItemWorkflow wf = rig.protect("item-cp", vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      RealAgentsRig.write(vm, guest, random, 10);
      rig.cycle(wf);
      RealAgentsRig.write(vm, guest, random, 10); // shipped by the failover's last cycle

      wf.failover(new FailoverRequest("job-cp", "planned", "latest"));
      assertThat(rig.awaitJob("job-cp")).isEqualTo("succeeded");
      rig.await(wf, ItemState.FAILED_OVER);
      Vm inCloud = rig.vmAtB(wf.failedOver().vmId());
      assertThat(inCloud.getPowerState()).isEqualTo("on");
      assertThat(rig.hashOverNbd(inCloud)).isEqualTo(guest.sha256());
      assertThat(rig.store.steps("job-cp"))
          .contains("materialize-in-cloud:succeeded", "verify-replica:succeeded");
    }
  }

  @Test
  void R27_testFailoverInTheCloudBuildsThePointOnAnIsolatedNetworkWhileUploadsGoOn()
      throws Exception {
    String storage = tmp.resolve("cloud-storage").toUri().toString();
    try (RealAgentsRig rig = RealAgentsRig.cloud(tmp, storage)) {
      Vm vm = rig.runningVm("drill", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(27);
      RealAgentsRig.write(vm, guest, random, 30);
      ProtectedItemWorkflow wf = rig.protect("item-ct", vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      RealAgentsRig.write(vm, guest, random, 10);
      long point = rig.cycle(wf);
      String atPoint = guest.sha256();

      wf.failover(new FailoverRequest("job-ctest", "test", "rp-" + point));
      assertThat(rig.awaitJob("job-ctest")).isEqualTo("succeeded");
      rig.await(wf, ItemState.TEST_FAILOVER);
      DrillReport drill = wf.drills().get(0);
      Vm testVm = rig.vmAtB(drill.testVmId());
      assertThat(testVm.getNetworksList()).containsExactly("haven-test-item-ct");
      assertThat(rig.hashOverNbd(testVm)).isEqualTo(atPoint);
      RealAgentsRig.write(vm, guest, random, 10);
      rig.cycle(wf);
      assertThat(rig.hashOverNbd(testVm)).isEqualTo(atPoint);

      wf.testFailoverCleanup(new TestCleanupRequest("job-cclean", "passed", "ok"));
      assertThat(rig.awaitJob("job-cclean")).isEqualTo("succeeded");
      rig.await(wf, ItemState.PROTECTED);
      assertThat(rig.vmIdsAtB()).isEmpty();
    }
  }
}
