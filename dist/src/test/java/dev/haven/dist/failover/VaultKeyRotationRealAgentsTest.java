package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.cloud.crypto.DataKeys;
import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import dev.haven.dist.CloudObjects;
import dev.haven.dist.client.GuestDiskModel;
import dev.haven.dist.commands.KeysCommands;
import dev.haven.protocol.Vm;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code haven keys rotate} against a cloud site that real agents (mutual TLS) are replicating to:
 * the command runs in this JVM while the agents keep running, and must change only the data key
 * objects, after which the same agents, without a restart, keep uploading points and build every
 * point with the SHA-256 the guest's disk had.
 */
class VaultKeyRotationRealAgentsTest {
  private static final int DISK = 16 << 20;
  private static final String ITEM = "item-rot";

  @TempDir Path tmp;

  @Test
  void R6_vaultKeyRotationRewrapsWithoutResendingDataAndRunningAgentsUseTheNewKey()
      throws Exception {
    Path keyring = tmp.resolve("vault.keyring");
    String storage = tmp.resolve("cloud-storage").toUri().toString();
    try (RealAgentsRig rig = RealAgentsRig.cloud(tmp, storage)) {
      Vm vm = rig.runningVm("web", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(6);
      RealAgentsRig.write(vm, guest, random, 40);
      ProtectedItemWorkflow wf = rig.protect(ITEM, vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      Map<Long, String> guestAt = new HashMap<>();
      RealAgentsRig.write(vm, guest, random, 10);
      guestAt.put(rig.cycle(wf), guest.sha256());

      Map<String, String> before = CloudObjects.hashes(storage);
      String out = keys(0, "rotate", "--keyring", keyring.toString(), "--store", storage);
      assertThat(out).contains("rotated 1 data keys in " + storage + " to key k2");
      Map<String, String> after = CloudObjects.hashes(storage);
      // Nothing re-sent: the same objects, and only the data key's bytes differ.
      assertThat(after.keySet()).isEqualTo(before.keySet());
      assertThat(changed(before, after)).containsExactly("items/" + ITEM + "/data-key");
      assertThat(wrappingKey(storage)).isEqualTo("k2");
      assertThat(VaultKeyring.load(keyring).ids()).containsExactly("k1", "k2");

      // The running source agent uploads the next point with the rewrapped data key, which only
      // the rotated keyring unwraps: it has read the new file without a restart.
      RealAgentsRig.write(vm, guest, random, 10);
      guestAt.put(rig.cycle(wf), guest.sha256());

      out = keys(0, "rotate", "--keyring", keyring.toString(), "--store", storage, "--retire-old");
      assertThat(out)
          .contains("rotated 1 data keys in " + storage + " to key k3")
          .contains("retired key k1")
          .contains("retired key k2");
      assertThat(VaultKeyring.load(keyring).ids()).containsExactly("k3");
      assertThat(wrappingKey(storage)).isEqualTo("k3");
      RealAgentsRig.write(vm, guest, random, 10);
      guestAt.put(rig.cycle(wf), guest.sha256());

      // The cloud host, also running since before the rotations, builds every point.
      for (Map.Entry<Long, String> at : new TreeMap<>(guestAt).entrySet()) {
        assertThat(rig.buildInCloud(storage, ITEM, at.getKey()))
            .as("rp-%d", at.getKey())
            .containsExactly(at.getValue());
      }
    }
  }

  private static String keys(int expectedCode, String... args) {
    return KeysCommands.run(expectedCode, args)[0];
  }

  private static String wrappingKey(String storage) throws Exception {
    try (ObjectStore store = ObjectStores.open(storage)) {
      String key = "items/" + ITEM + "/data-key";
      return DataKeys.wrappingKeyId(key, store.get(key));
    }
  }

  static java.util.List<String> changed(Map<String, String> before, Map<String, String> after) {
    return before.keySet().stream().filter(key -> !before.get(key).equals(after.get(key))).toList();
  }
}
