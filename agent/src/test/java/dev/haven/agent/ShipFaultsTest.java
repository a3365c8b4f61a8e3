package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ListVmsRequest;
import dev.haven.protocol.MaterializeMode;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.Vm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R13/R15 faults on the ship path, each counting bytes: coalescing, lost logs, cut images. */
class ShipFaultsTest {
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
  void R13_coalescedBlocksShipOnce() throws Exception {
    Vm vm = Replicas.createVm(agents, "coalesce", 4 * MIB);
    ReplicationState target = Replicas.protect(agents, "item-coalesce", vm);
    Replicas.copyAll(agents, "item-coalesce", vm);
    BlockDevice disk = agents.driverA().device(vm.getId(), vm.getDisks(0).getId());
    Random random = new Random(31);
    Dirty dirty = new Dirty();
    // One 64 KiB block written ten times, overlapping writes around it, a zeroed range that
    // covers earlier data, and a few writes elsewhere.
    for (int i = 0; i < 10; i++) {
      write(disk, dirty, random, 1 * MIB, 64 * 1024);
    }
    write(disk, dirty, random, 1 * MIB - 8192, 16384);
    write(disk, dirty, random, 1 * MIB + 60 * 1024, 32 * 1024);
    write(disk, dirty, random, 2 * MIB, 128 * 1024);
    disk.writeZeroes(2 * MIB + 4096, 64 * 1024, false);
    dirty.add(2 * MIB + 4096, 64 * 1024);
    write(disk, dirty, random, 3 * MIB, 4096);
    write(disk, dirty, random, 3 * MIB, 4096);

    ReplicateCycleResponse cycle = PointCalls.cycle(agents, "item-coalesce");
    assertThat(cycle.getLogBytes()).isGreaterThan(10L * 64 * 1024);
    assertThat(cycle.getBytesShipped())
        .as("bytes sent never exceed the log's unique dirty bytes (%d)", dirty.bytes())
        .isLessThanOrEqualTo(dirty.bytes());
    // The zeroed range travels as a marker, so even less is sent than is dirty.
    assertThat(cycle.getBytesShipped()).isLessThanOrEqualTo(dirty.bytes() - 60 * 1024);
    Replicas.assertIdentical(agents, vm, target);
  }

  @Test
  void R13_flippedBitInUndoJournalIsRejectedAndReplicaUntouched() throws Exception {
    Vm vm = Replicas.createVm(agents, "rot-undo", 2 * MIB);
    ReplicationState target =
        PeerCalls.whenReachable(() -> Replicas.protect(agents, "item-rot-undo", vm));
    PeerCalls.whenReachable(
        () -> {
          Replicas.copyAll(agents, "item-rot-undo", vm);
          return true;
        });
    BlockDevice disk = agents.driverA().device(vm.getId(), vm.getDisks(0).getId());
    Random random = new Random(35);
    for (int i = 0; i < 3; i++) {
      Replicas.writeRandom(disk, random, 8, 16 * 1024);
      PointCalls.cycle(agents, "item-rot-undo");
    }
    String replicaDisk = target.getDisks(0).getReplicaDiskId();
    String before = Replicas.hashB(agents, target.getVmId(), replicaDisk);
    int vmsBefore = agents.agentB().listVms(ListVmsRequest.getDefaultInstance()).getVmsCount();
    Path journal =
        agents
            .dataB()
            .resolve("vms")
            .resolve(target.getVmId())
            .resolve("undo")
            .resolve(replicaDisk + "-000000000003.undo");
    byte[] bytes = Files.readAllBytes(journal);
    bytes[bytes.length / 2] ^= 0x04;
    Files.write(journal, bytes);

    for (MaterializeMode mode : MaterializeMode.values()) {
      if (mode == MaterializeMode.IN_PLACE || mode == MaterializeMode.NEW_COPY) {
        StatusRuntimeException error =
            catchStatus(() -> PointCalls.materialize(agents, "item-rot-undo", "rp-1", mode));
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
        assertThat(error.getStatus().getDescription()).contains("undo journal");
      }
    }
    assertThat(Replicas.hashB(agents, target.getVmId(), replicaDisk)).isEqualTo(before);
    assertThat(agents.agentB().listVms(ListVmsRequest.getDefaultInstance()).getVmsCount())
        .as("no half-built copy")
        .isEqualTo(vmsBefore);
    assertThat(PointCalls.points(agents, "item-rot-undo")).hasSize(3);
  }

  @Test
  void R15_deletedLogIsReportedForResync() throws Exception {
    Vm vm = Replicas.createVm(agents, "lost", 4 * MIB);
    ReplicationState target = Replicas.protect(agents, "item-lost", vm);
    Replicas.copyAll(agents, "item-lost", vm);
    String diskId = vm.getDisks(0).getId();
    BlockDevice disk = agents.driverA().device(vm.getId(), diskId);
    Replicas.writeRandom(disk, new Random(32), 10, 16 * 1024);
    String before = Replicas.hashB(agents, target.getVmId(), target.getDisks(0).getReplicaDiskId());

    agents.stopB();
    try {
      assertThatThrownBy(() -> PointCalls.cycle(agents, "item-lost"))
          .isInstanceOf(StatusRuntimeException.class);
    } finally {
      agents.startB();
      // a dials b again at once instead of after its reconnect back-off.
      agents.a.channels().channel(agents.b.grpcAddress()).resetConnectBackoff();
    }
    Path sealed =
        agents.dataA().resolve("vms").resolve(vm.getId()).resolve(diskId + "-000000000001.hrl");
    Files.delete(sealed);
    Replicas.writeRandom(disk, new Random(33), 5, 16 * 1024);

    StatusRuntimeException error =
        catchStatus(() -> PeerCalls.whenReachable(() -> PointCalls.cycle(agents, "item-lost")));
    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(error.getStatus().getDescription())
        .contains("needs a resync")
        .contains("change log 1")
        .contains("missing");
    ReplicationState source = agents.agentA().getReplicationState(PointCalls.item("item-lost"));
    assertThat(source.getResyncRequired()).isTrue();
    assertThat(source.getResyncReason()).contains("change log 1");
    // Nothing newer slipped through to the replica, and later cycles keep refusing.
    assertThat(Replicas.hashB(agents, target.getVmId(), target.getDisks(0).getReplicaDiskId()))
        .isEqualTo(before);
    assertThat(catchStatus(() -> PointCalls.cycle(agents, "item-lost")).getStatus().getCode())
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(
            agents.agentB().getReplicationState(PointCalls.item("item-lost")).getLastAppliedSeq())
        .isZero();
  }

  @Test
  void R15_truncatedImageIsReportedForResync() throws Exception {
    Vm vm = Replicas.createVm(agents, "cut", 4 * MIB);
    ReplicationState target =
        PeerCalls.whenReachable(() -> Replicas.protect(agents, "item-cut", vm));
    PeerCalls.whenReachable(
        () -> {
          Replicas.copyAll(agents, "item-cut", vm);
          return true;
        });
    String diskId = vm.getDisks(0).getId();
    Replicas.writeRandom(
        agents.driverA().device(vm.getId(), diskId), new Random(34), 10, 16 * 1024);
    Path image = agents.dataA().resolve("vms").resolve(vm.getId()).resolve(diskId + ".img");
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(MIB);
    }
    StatusRuntimeException error = catchStatus(() -> PointCalls.cycle(agents, "item-cut"));
    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(error.getStatus().getDescription()).contains("needs a resync").contains("image");
    assertThat(agents.agentA().getReplicationState(PointCalls.item("item-cut")).getResyncRequired())
        .isTrue();
    assertThat(agents.agentB().getReplicationState(PointCalls.item("item-cut")).getLastAppliedSeq())
        .isZero();
  }

  private static void write(BlockDevice disk, Dirty dirty, Random random, long offset, int length)
      throws Exception {
    byte[] data = new byte[length];
    random.nextBytes(data);
    disk.write(offset, ByteBuffer.wrap(data), false);
    dirty.add(offset, length);
  }

  private static StatusRuntimeException catchStatus(ThrowingSupplier call) {
    try {
      call.get();
    } catch (StatusRuntimeException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the call succeeded");
  }

  @FunctionalInterface
  private interface ThrowingSupplier {
    Object get() throws Exception;
  }

  /** The union of the byte ranges written: the log's unique dirty bytes. */
  private static final class Dirty {
    private final BitSet bytes = new BitSet();

    void add(long offset, long length) {
      bytes.set((int) offset, (int) (offset + length));
    }

    long bytes() {
      return bytes.cardinality();
    }
  }
}
