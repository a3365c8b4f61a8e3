package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import dev.haven.dist.client.GuestDiskModel;
import dev.haven.protocol.CloudItemRef;
import dev.haven.protocol.CloudServiceGrpc;
import dev.haven.protocol.MaterializeCloudPointRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.Vm;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
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

  @AfterEach
  void clearKeyring() {
    System.clearProperty("haven.vault.keyring");
  }

  @Test
  void R6_protectionToACloudSiteUploadsObjectsAndEveryPointRebuildsTheGuestsDisk()
      throws Exception {
    Path keyring = tmp.resolve("vault.keyring");
    VaultKeyring.loadOrCreate(keyring);
    System.setProperty("haven.vault.keyring", keyring.toString());
    String storage = tmp.resolve("cloud-storage").toUri().toString();
    try (RealAgentsRig rig = new RealAgentsRig(tmp.resolve("rig"))) {
      rig.store.siteStorage.put(rig.target().siteId(), storage);
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
        MaterializeRecoveryPointResponse built =
            cloudHost.materializeCloudPoint(
                MaterializeCloudPointRequest.newBuilder()
                    .setItemId("item-cloud")
                    .setCloudStorage(storage)
                    .setPointId("rp-" + at.getKey())
                    .setVmName("web-cloud-" + at.getKey())
                    .setCpus(1)
                    .setMemoryMib(512)
                    .addNetworks("dr-lan")
                    .build());
        assertThat(built.getDiskSha256List())
            .as("rp-%d", at.getKey())
            .containsExactly(at.getValue());
      }
      try (ObjectStore store = ObjectStores.open(storage)) {
        assertThat(store.list("items/item-cloud/points/")).hasSizeGreaterThanOrEqualTo(3);
      }
    }
  }
}
