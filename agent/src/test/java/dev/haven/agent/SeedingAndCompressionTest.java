package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static dev.haven.agent.Resyncs.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.Vm;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R11 seeding (compare instead of copy) and zstd on the wire when the policy asks. */
class SeedingAndCompressionTest {
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

  @Test
  void R11_seedingComparesInsteadOfCopying() throws Exception {
    Vm vm = Replicas.createVm(agents, "seed", 16 * MIB);
    String diskId = vm.getDisks(0).getId();
    BlockDevice source = agents.driverA().device(vm.getId(), diskId);
    Resyncs.fillRandom(source, 21);
    ReplicationState target =
        agents
            .agentB()
            .prepareReplica(
                PrepareReplicaRequest.newBuilder().setItemId("item-seed").setSourceVm(vm).build());
    // The target holds an old copy (restored from media) that differs in four blocks.
    BlockDevice replica =
        agents.driverB().device(target.getVmId(), target.getDisks(0).getReplicaDiskId());
    Resyncs.copyImage(source, replica);
    Resyncs.touchBlocks(replica, 1, 2, 77, 255);
    agents.agentA().startReplication(Replicas.startRequest(agents, "item-seed", vm, target));

    ResyncProgress done =
        Resyncs.last(Resyncs.run(agents, Resyncs.request("item-seed", diskId, 0, false)));

    assertThat(done.getDifferingBlocks()).isEqualTo(4);
    assertThat(done.getBytesSent()).isLessThanOrEqualTo(4L * BLOCK * 105 / 100);
    Replicas.assertIdentical(agents, vm, target);
    ItemRef item = ItemRef.newBuilder().setItemId("item-seed").build();
    assertThat(agents.agentA().getReplicationState(item).getCopies(0).getDone()).isTrue();
    assertThat(agents.agentB().getReplicationState(item).getCopies(0).getDone()).isTrue();
    // The seeded replica takes delta replication like a copied one.
    Replicas.writeRandom(source, new Random(22), 10, 8192);
    agents
        .agentA()
        .replicateCycle(ReplicateCycleRequest.newBuilder().setItemId("item-seed").build());
    Replicas.assertIdentical(agents, vm, target);
  }

  @Test
  void compressionShrinksCompressibleBlocksAndSkipsRandomOnes() throws Exception {
    Vm vm = Replicas.createVm(agents, "zstd", 16 * MIB);
    String diskId = vm.getDisks(0).getId();
    ReplicationState target = Replicas.protect(agents, "item-zstd", vm);
    Replicas.copyAll(agents, "item-zstd", vm);
    BlockDevice source = agents.driverA().device(vm.getId(), diskId);
    // Eight blocks of text (compressible) and eight of random bytes (not) change at the source.
    byte[] text =
        "the quick brown fox jumps over the lazy dog 0123456789\n"
            .repeat(1300)
            .substring(0, BLOCK)
            .getBytes(StandardCharsets.US_ASCII);
    byte[] noise = new byte[BLOCK];
    Random random = new Random(9);
    for (int i = 0; i < 8; i++) {
      source.write((long) i * BLOCK, ByteBuffer.wrap(text), false);
      random.nextBytes(noise);
      source.write((long) (100 + i) * BLOCK, ByteBuffer.wrap(noise), false);
    }
    source.flush();

    ResyncProgress zstd =
        Resyncs.last(Resyncs.run(agents, Resyncs.request("item-zstd", diskId, 0, true)));
    assertThat(zstd.getDifferingBlocks()).isEqualTo(16);
    // The random blocks go raw (8 blocks and framing), the text ones in a few hundred bytes.
    assertThat(zstd.getBytesSent()).isBetween(8L * BLOCK, 8L * BLOCK + 8 * 4096);
    Replicas.assertIdentical(agents, vm, target);

    // Without the policy's flag the same change goes raw.
    for (int i = 0; i < 8; i++) {
      source.write((long) i * BLOCK + 1, ByteBuffer.wrap(new byte[] {'#'}), false);
      source.write((long) (100 + i) * BLOCK + 1, ByteBuffer.wrap(new byte[] {'#'}), false);
    }
    source.flush();
    ResyncProgress raw =
        Resyncs.last(Resyncs.run(agents, Resyncs.request("item-zstd", diskId, 0, false)));
    assertThat(raw.getDifferingBlocks()).isEqualTo(16);
    assertThat(raw.getBytesSent()).isGreaterThanOrEqualTo(16L * BLOCK);
    Replicas.assertIdentical(agents, vm, target);
  }

  @Test
  void compressionOfTheInitialCopyWhenThePolicyAsks() throws Exception {
    for (boolean zstd : new boolean[] {true, false}) {
      Vm vm = Replicas.createVm(agents, "copy-zstd-" + zstd, 4 * MIB);
      String diskId = vm.getDisks(0).getId();
      BlockDevice source = agents.driverA().device(vm.getId(), diskId);
      // One MiB chunk of text (compressible), one of random bytes (not), two of zeros (skipped).
      byte[] text =
          "all work and no play makes jack a dull boy\n"
              .repeat(30000)
              .substring(0, (int) MIB)
              .getBytes(StandardCharsets.US_ASCII);
      byte[] noise = new byte[(int) MIB];
      new Random(5).nextBytes(noise);
      source.write(0, ByteBuffer.wrap(text), false);
      source.write(2 * MIB, ByteBuffer.wrap(noise), false);
      ReplicationState target = Replicas.protect(agents, "item-copy-zstd-" + zstd, vm);

      var progress =
          agents
              .agentA()
              .copyDisk(
                  dev.haven.protocol.CopyDiskRequest.newBuilder()
                      .setItemId("item-copy-zstd-" + zstd)
                      .setDiskId(diskId)
                      .setCompress(zstd)
                      .build());
      dev.haven.protocol.CopyProgress last = null;
      while (progress.hasNext()) {
        last = progress.next();
      }

      assertThat(last.getDone()).isTrue();
      if (zstd) {
        // The random chunk goes raw, the text one in a few KiB.
        assertThat(last.getBytesSent()).isBetween(MIB, MIB + 64 * 1024);
      } else {
        assertThat(last.getBytesSent()).isEqualTo(2 * MIB);
      }
      Replicas.assertIdentical(agents, vm, target);
    }
  }
}
