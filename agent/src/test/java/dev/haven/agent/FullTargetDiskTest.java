package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ListVmsRequest;
import dev.haven.protocol.MaterializeMode;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.Vm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R13/R16: the target's file system fills up (a real 8 MiB tmpfs under the target agent's data
 * folder). Shipping fails with a recoverable RESOURCE_EXHAUSTED that says so, nothing is applied,
 * and the same logs apply once space returns.
 */
class FullTargetDiskTest {
  @TempDir Path root;
  private TwoAgents agents;
  private Path mount;

  @AfterEach
  void stop() throws Exception {
    if (agents != null) {
      agents.close();
    }
    if (mount != null) {
      new ProcessBuilder("umount", mount.toString())
          .inheritIO()
          .start()
          .waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void R13_fullTargetDiskIsRecoverableAndAppliesNothingPartial() throws Exception {
    Path dataB = root.resolve("b").resolve("data");
    Files.createDirectories(dataB);
    Process mounting =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dataB.toString())
            .redirectErrorStream(true)
            .start();
    assumeTrue(
        mounting.waitFor(30, TimeUnit.SECONDS) && mounting.exitValue() == 0,
        "mounting a tmpfs needs root: " + new String(mounting.getInputStream().readAllBytes()));
    mount = dataB;
    agents = TwoAgents.start(root);
    Vm vm = Replicas.createVm(agents, "full", 4 * MIB);
    BlockDevice disk = agents.driverA().device(vm.getId(), vm.getDisks(0).getId());
    Random random = new Random(51);
    write(disk, random, 0, (int) MIB);
    ReplicationState target = Replicas.protect(agents, "item-full", vm);
    Replicas.copyAll(agents, "item-full", vm);
    String replicaDisk = target.getDisks(0).getReplicaDiskId();
    String before = Replicas.hashB(agents, target.getVmId(), replicaDisk);
    write(disk, random, 2 * MIB, (int) (2 * MIB));

    // Almost no room: the log itself cannot be received.
    Path filler = dataB.resolve("filler");
    fill(filler, dataB, 256 * 1024);
    StatusRuntimeException full =
        catchThrowableOfType(
            () -> PointCalls.cycle(agents, "item-full"), StatusRuntimeException.class);
    assertThat(full.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(full.getStatus().getDescription()).contains("No space left");
    assertUntouched(target, replicaDisk, before);

    // Room for the log but not for what applying it adds to the image: refused before any write.
    Files.delete(filler);
    fill(filler, dataB, 2 * MIB + 512 * 1024);
    StatusRuntimeException tight =
        catchThrowableOfType(
            () -> PointCalls.cycle(agents, "item-full"), StatusRuntimeException.class);
    assertThat(tight.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(tight.getStatus().getDescription())
        .contains("No space left")
        .contains("nothing was applied");
    assertUntouched(target, replicaDisk, before);

    // Space returns: the same logs apply, and the replica equals the source.
    Files.delete(filler);
    PointCalls.cycle(agents, "item-full");
    Replicas.assertIdentical(agents, vm, target);
    assertThat(
            agents.agentB().getReplicationState(PointCalls.item("item-full")).getLastAppliedSeq())
        .isEqualTo(3);

    // A copy of a point (a failover's or a drill's new VM) that runs out of room fails with the
    // reason and leaves no half-made VM behind; with room again it succeeds.
    int vmsBefore = agents.agentB().listVms(ListVmsRequest.getDefaultInstance()).getVmsCount();
    fill(filler, dataB, 1024 * 1024);
    StatusRuntimeException noRoom =
        catchThrowableOfType(
            () -> PointCalls.materialize(agents, "item-full", "", MaterializeMode.NEW_COPY),
            StatusRuntimeException.class);
    assertThat(noRoom.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(agents.agentB().listVms(ListVmsRequest.getDefaultInstance()).getVmsCount())
        .as("no orphan VM")
        .isEqualTo(vmsBefore);
    try (Stream<Path> folders = Files.list(agents.dataB().resolve("vms"))) {
      assertThat(folders.count()).isEqualTo(vmsBefore);
    }
    Files.delete(filler);
    MaterializeRecoveryPointResponse copy =
        PointCalls.materialize(agents, "item-full", "", MaterializeMode.NEW_COPY);
    assertThat(copy.getDiskSha256List())
        .containsExactly(Replicas.hashA(agents, vm.getId(), vm.getDisks(0).getId()));
  }

  private void assertUntouched(ReplicationState target, String replicaDisk, String before)
      throws Exception {
    assertThat(Replicas.hashB(agents, target.getVmId(), replicaDisk)).isEqualTo(before);
    assertThat(
            agents.agentB().getReplicationState(PointCalls.item("item-full")).getLastAppliedSeq())
        .isZero();
    Path folder = agents.dataB().resolve("vms").resolve(target.getVmId());
    try (Stream<Path> files = Files.walk(folder)) {
      List<String> leftovers =
          files
              .map(f -> f.getFileName().toString())
              .filter(n -> n.endsWith(".incoming.hrl") || n.endsWith(".tmp"))
              .toList();
      assertThat(leftovers).as("no half-received log or half-written journal stays").isEmpty();
    }
  }

  /** Writes a file that leaves about {@code leave} bytes free on the file system of {@code dir}. */
  private static void fill(Path filler, Path dir, long leave) throws Exception {
    long size = Files.getFileStore(dir).getUsableSpace() - leave;
    try (RandomAccessFile file = new RandomAccessFile(filler.toFile(), "rw")) {
      byte[] block = new byte[64 * 1024];
      for (long at = 0; at < size; at += block.length) {
        file.write(block, 0, (int) Math.min(block.length, size - at));
      }
    }
  }

  private static void write(BlockDevice disk, Random random, long offset, int length)
      throws Exception {
    byte[] data = new byte[length];
    random.nextBytes(data);
    disk.write(offset, ByteBuffer.wrap(data), false);
  }
}
