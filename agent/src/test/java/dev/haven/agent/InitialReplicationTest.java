package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.DiskChunk;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.Role;
import dev.haven.protocol.Vm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R11: the initial copy, with writes during it, resumable from the target's persisted chunk. */
class InitialReplicationTest {
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
  void R11_initialCopyThenLogsMakeReplicaIdentical() throws Exception {
    Vm vm = Replicas.createVm(agents, "web", 64 * MIB);
    String diskId = vm.getDisks(0).getId();
    BlockDevice disk = agents.driverA().device(vm.getId(), diskId);
    Random random = new Random(11);
    Replicas.writeRandom(disk, random, 200, 64 * 1024);

    ReplicationState target = Replicas.protect(agents, "item-r11", vm);
    assertThat(target.getRole()).isEqualTo(Role.TARGET);
    Vm replica = Replicas.vmOnB(agents, target.getVmId());
    assertThat(replica.getName()).isEqualTo("web-replica");
    assertThat(replica.getNetworksList()).containsExactly("dr-lan");
    assertThat(replica.getPowerState()).isEqualTo("off");

    // A guest keeps writing (and trimming) while the copy runs.
    AtomicBoolean copying = new AtomicBoolean(true);
    AtomicInteger writesDuringCopy = new AtomicInteger();
    Thread guest =
        new Thread(
            () -> {
              Random r = new Random(12);
              try {
                while (copying.get()) {
                  Replicas.writeRandom(disk, r, 1, 16 * 1024);
                  if (r.nextInt(8) == 0) {
                    disk.trim(512L * r.nextInt(100_000), 4096);
                  }
                  writesDuringCopy.incrementAndGet();
                  Thread.sleep(2);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    guest.start();
    List<CopyProgress> progress;
    try {
      progress = Replicas.copy(agents, "item-r11", diskId, 0);
    } finally {
      copying.set(false);
      guest.join();
    }
    assertThat(writesDuringCopy.get()).isPositive();
    CopyProgress last = progress.get(progress.size() - 1);
    assertThat(last.getNextChunk()).isEqualTo(64);
    assertThat(progress.size()).as("progress every few chunks").isGreaterThan(3);

    ReplicateCycleResponse cycle = cycle("item-r11");
    assertThat(cycle.getSealedSeq()).isEqualTo(1);
    assertThat(cycle.getAckedSeq()).isEqualTo(1);
    assertThat(cycle.getLogsShipped()).isEqualTo(1);
    assertThat(cycle.getBytesShipped()).isPositive();
    assertThat(cycle.getPendingBytes()).isZero();
    Replicas.assertIdentical(agents, vm, target);

    Replicas.writeRandom(disk, random, 50, 64 * 1024);
    assertThat(cycle("item-r11").getSealedSeq()).isEqualTo(2);
    Replicas.assertIdentical(agents, vm, target);
    ReplicationState source = agents.agentA().getReplicationState(item("item-r11"));
    assertThat(source.getLastAckedSeq()).isEqualTo(2);
    assertThat(agents.agentB().getReplicationState(item("item-r11")).getLastAppliedSeq())
        .isEqualTo(2);
  }

  @Test
  void R11_copyResumesFromPersistedChunk() throws Exception {
    Vm vm = Replicas.createVm(agents, "db", 16 * MIB);
    String diskId = vm.getDisks(0).getId();
    BlockDevice disk = agents.driverA().device(vm.getId(), diskId);
    byte[] all = new byte[(int) (16 * MIB)];
    new Random(21).nextBytes(all);
    disk.write(0, ByteBuffer.wrap(all), true);
    ReplicationState target = Replicas.protect(agents, "item-resume", vm);
    String replicaDisk = target.getDisks(0).getReplicaDiskId();

    // A source sends six chunks and stops there, the last chunk not sent.
    List<DiskChunk> chunks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      byte[] data = new byte[(int) MIB];
      System.arraycopy(all, (int) (i * MIB), data, 0, data.length);
      chunks.add(PeerCalls.chunk("item-resume", replicaDisk, i, data));
    }
    assertThat(
            PeerCalls.writeChunks(agents.client().peer(agents.b.grpcAddress()), chunks)
                .getNextChunk())
        .isEqualTo(6);
    // The target's progress is on its disk: it survives a restart.
    agents.stopB();
    agents.startB();
    assertThat(nextChunkOnB("item-resume")).isEqualTo(6);

    // The caller asks to resume further than the target got: the source starts where the
    // target stands, so nothing is skipped.
    List<CopyProgress> progress =
        PeerCalls.whenReachable(() -> Replicas.copy(agents, "item-resume", diskId, 9));
    CopyProgress last = progress.get(progress.size() - 1);
    assertThat(last.getBytesSent()).isEqualTo(10 * MIB);
    assertThat(last.getNextChunk()).isEqualTo(16);
    ReplicationState onB = agents.agentB().getReplicationState(item("item-resume"));
    assertThat(onB.getCopies(0).getDone()).isTrue();
    ReplicationState onA = agents.agentA().getReplicationState(item("item-resume"));
    assertThat(onA.getCopies(0).getDone()).isTrue();
    Replicas.assertIdentical(agents, vm, target);
  }

  @Test
  void R11_chunkFailingItsChecksumIsNotWritten() throws Exception {
    Vm vm = Replicas.createVm(agents, "crc", 2 * MIB);
    ReplicationState target = Replicas.protect(agents, "item-crc", vm);
    String replicaDisk = target.getDisks(0).getReplicaDiskId();
    String before = Replicas.hashB(agents, target.getVmId(), replicaDisk);
    byte[] data = new byte[(int) MIB];
    new Random(41).nextBytes(data);
    DiskChunk good = PeerCalls.chunk("item-crc", replicaDisk, 0, data);
    DiskChunk bad = good.toBuilder().setCrc32C(good.getCrc32C() ^ 1).build();
    Throwable error =
        catchThrowable(
            () ->
                PeerCalls.writeChunks(agents.client().peer(agents.b.grpcAddress()), List.of(bad)));
    assertThat(((StatusRuntimeException) error).getStatus().getCode())
        .isEqualTo(Status.Code.DATA_LOSS);
    assertThat(Replicas.hashB(agents, target.getVmId(), replicaDisk)).isEqualTo(before);
    assertThat(nextChunkOnB("item-crc")).isZero();
    // A gap is refused as well: the target expects chunk 0 first.
    Throwable gap =
        catchThrowable(
            () ->
                PeerCalls.writeChunks(
                    agents.client().peer(agents.b.grpcAddress()),
                    List.of(PeerCalls.chunk("item-crc", replicaDisk, 1, data))));
    assertThat(((StatusRuntimeException) gap).getStatus().getCode())
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(Replicas.hashB(agents, target.getVmId(), replicaDisk)).isEqualTo(before);
  }

  @Test
  void R11_deltaCycleIsRefusedUntilEveryDiskIsCopied() throws Exception {
    Vm vm = Replicas.createVm(agents, "two-disks", 2 * MIB, 3 * MIB);
    Replicas.protect(agents, "item-partial", vm);
    List<CopyProgress> progress = Replicas.copy(agents, "item-partial", vm.getDisks(0).getId(), 0);
    CopyProgress last = progress.get(progress.size() - 1);
    assertThat(last.getZeroChunksSkipped()).as("empty chunks go as zero markers").isEqualTo(2);
    assertThat(last.getBytesSent()).isZero();
    assertThatThrownBy(() -> cycle("item-partial"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).contains(vm.getDisks(1).getId());
            });
    assertThat(agents.agentA().getReplicationState(item("item-partial")).getLastSealedSeq())
        .as("a refused cycle seals nothing")
        .isZero();
  }

  @Test
  void R11_startReplicationTwiceResetsNothing() throws Exception {
    Vm vm = Replicas.createVm(agents, "idem", 4 * MIB);
    ReplicationState target = Replicas.protect(agents, "item-idem", vm);
    Replicas.copyAll(agents, "item-idem", vm);
    BlockDevice disk = agents.driverA().device(vm.getId(), vm.getDisks(0).getId());
    Replicas.writeRandom(disk, new Random(31), 20, 8192);
    cycle("item-idem");
    Replicas.writeRandom(disk, new Random(32), 20, 8192);
    ReplicationState before = agents.agentA().getReplicationState(item("item-idem"));
    assertThat(before.getPendingBytes()).isPositive();

    ReplicationState again =
        agents.agentA().startReplication(Replicas.startRequest(agents, "item-idem", vm, target));
    assertThat(again).isEqualTo(before);
    assertThat(again.getCopies(0).getDone()).isTrue();
    assertThat(
            agents
                .agentB()
                .prepareReplica(
                    PrepareReplicaRequest.newBuilder()
                        .setItemId("item-idem")
                        .setSourceVm(vm)
                        .build())
                .getVmId())
        .isEqualTo(target.getVmId());
    cycle("item-idem");
    Replicas.assertIdentical(agents, vm, target);
  }

  private static ReplicateCycleResponse cycle(String itemId) {
    return agents
        .agentA()
        .replicateCycle(ReplicateCycleRequest.newBuilder().setItemId(itemId).build());
  }

  private static ItemRef item(String itemId) {
    return ItemRef.newBuilder().setItemId(itemId).build();
  }

  private static long nextChunkOnB(String itemId) {
    return agents.agentB().getReplicationState(item(itemId)).getCopies(0).getNextChunk();
  }
}
