package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static dev.haven.agent.Resyncs.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.Vm;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R15 with the target's block hash cache: after a resync the replica answers hashes from memory,
 * and every later change of the replica (a write, zeros, or a change behind Haven's back) is still
 * found and resynced, byte for byte.
 */
class ResyncHashCacheTest {
  @TempDir static Path root;
  static TwoAgents agents;

  @BeforeAll
  static void start() throws Exception {
    agents = TwoAgents.start(root);
  }

  @AfterAll
  static void stop() {
    agents.close();
  }

  private static ResyncProgress resync(String itemId, Vm vm) throws Exception {
    return Resyncs.last(
        Resyncs.run(agents, Resyncs.request(itemId, vm.getDisks(0).getId(), 0, false)));
  }

  @Test
  void R15_replicaChangedAfterAResyncIsFoundByTheNext() throws Exception {
    Vm vm = Replicas.createVm(agents, "cache", 32 * MIB);
    Resyncs.fillRandom(agents.driverA().device(vm.getId(), vm.getDisks(0).getId()), 21);
    ReplicationState target = Replicas.protect(agents, "item-cache", vm);
    Replicas.copyAll(agents, "item-cache", vm);
    String replicaDisk = target.getDisks(0).getReplicaDiskId();
    BlockDevice replica = agents.driverB().device(target.getVmId(), replicaDisk);

    // The first resync hashes the whole replica and keeps its hashes.
    assertThat(resync("item-cache", vm).getDifferingBlocks()).isZero();

    // Writes through Haven's disk, zeros and a trim: each touched block must be sent again.
    Resyncs.touchBlocks(replica, 1, 77, 511);
    replica.writeZeroes(200L * BLOCK + 10, 100, false);
    replica.trim(300L * BLOCK, BLOCK);
    replica.flush();
    ResyncProgress second = resync("item-cache", vm);
    assertThat(second.getDifferingBlocks()).isEqualTo(5);
    Replicas.assertIdentical(agents, vm, target);

    // A change of the image file that bypasses Haven is found as well.
    Path image =
        agents.dataB().resolve("vms").resolve(target.getVmId()).resolve(replicaDisk + ".img");
    try (FileChannel file = FileChannel.open(image, StandardOpenOption.WRITE)) {
      file.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 400L * BLOCK + 99);
      file.force(true);
    }
    ResyncProgress third = resync("item-cache", vm);
    assertThat(third.getDifferingBlocks()).isEqualTo(1);
    Replicas.assertIdentical(agents, vm, target);

    // Nothing differs now.
    assertThat(resync("item-cache", vm).getDifferingBlocks()).isZero();
  }

  @Test
  void R15_sourceChangedAfterAResyncIsFoundByTheNext() throws Exception {
    Vm vm = Replicas.createVm(agents, "source-cache", 32 * MIB);
    String diskId = vm.getDisks(0).getId();
    BlockDevice source = agents.driverA().device(vm.getId(), diskId);
    Resyncs.fillRandom(source, 22);
    ReplicationState target = Replicas.protect(agents, "item-source-cache", vm);
    Replicas.copyAll(agents, "item-source-cache", vm);

    // The first resync hashes the whole source disk and keeps its hashes there too.
    assertThat(resync("item-source-cache", vm).getDifferingBlocks()).isZero();

    // The source changes (as a guest would) and the next resync finds each changed block, from
    // the source's side: the replica did not change, so only the source's hashes can tell.
    Resyncs.touchBlocks(source, 3, 100, 450);
    source.writeZeroes(250L * BLOCK, BLOCK, false);
    source.flush();
    assertThat(resync("item-source-cache", vm).getDifferingBlocks()).isEqualTo(4);
    Replicas.assertIdentical(agents, vm, target);

    // And a change of the source image behind Haven's back.
    Path image = agents.dataA().resolve("vms").resolve(vm.getId()).resolve(diskId + ".img");
    try (FileChannel file = FileChannel.open(image, StandardOpenOption.WRITE)) {
      file.write(ByteBuffer.wrap(new byte[] {9, 9}), 7L * BLOCK + 5);
      file.force(true);
    }
    assertThat(resync("item-source-cache", vm).getDifferingBlocks()).isEqualTo(1);
    Replicas.assertIdentical(agents, vm, target);
  }
}
