package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static dev.haven.agent.Resyncs.BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.Vm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R15: resync by block hashes sends only the differing blocks, resumes, and hands back to R13. */
class ResyncTest {
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

  /** A protected VM of random data, copied; answers the target's state. */
  private static ReplicationState copiedItem(String itemId, Vm vm) throws Exception {
    Resyncs.fillRandom(agents.driverA().device(vm.getId(), vm.getDisks(0).getId()), 11);
    ReplicationState target = Replicas.protect(agents, itemId, vm);
    Replicas.copyAll(agents, itemId, vm);
    return target;
  }

  private static BlockDevice replica(ReplicationState target) throws Exception {
    return agents.driverB().device(target.getVmId(), target.getDisks(0).getReplicaDiskId());
  }

  @Test
  void R15_resyncSendsOnlyDifferingBlocks() throws Exception {
    Vm vm = Replicas.createVm(agents, "only", 32 * MIB);
    ReplicationState target = copiedItem("item-only", vm);
    long[] blocks = {0, 3, 100, 255, 256, 300, 511};
    Resyncs.touchBlocks(replica(target), blocks);

    ResyncProgress done =
        Resyncs.last(
            Resyncs.run(agents, Resyncs.request("item-only", vm.getDisks(0).getId(), 0, false)));

    assertThat(done.getDone()).isTrue();
    assertThat(done.getTotalBlocks()).isEqualTo(512);
    assertThat(done.getDifferingBlocks()).isEqualTo(blocks.length);
    long differingBytes = (long) blocks.length * BLOCK;
    assertThat(done.getDifferingBytes()).isEqualTo(differingBytes);
    assertThat(done.getBytesSent()).isBetween(differingBytes, differingBytes * 105 / 100);
    Replicas.assertIdentical(agents, vm, target);

    // Nothing differs now: a second resync sends no block at all.
    ResyncProgress again =
        Resyncs.last(
            Resyncs.run(agents, Resyncs.request("item-only", vm.getDisks(0).getId(), 0, false)));
    assertThat(again.getDifferingBlocks()).isZero();
    assertThat(again.getBytesSent()).isLessThan(1024);
  }

  @Test
  void R15_resyncResumesFromLastConfirmedBlock() throws Exception {
    Vm vm = Replicas.createVm(agents, "resume", 64 * MIB);
    ReplicationState target = copiedItem("item-resume", vm);
    String diskId = vm.getDisks(0).getId();
    // Every block of the first three batches differs, and a few after them.
    long[] blocks = new long[768 + 3];
    for (int i = 0; i < 768; i++) {
      blocks[i] = i;
    }
    blocks[768] = 800;
    blocks[769] = 900;
    blocks[770] = 1023;
    Resyncs.touchBlocks(replica(target), blocks);

    Resyncs.runUntil(agents, Resyncs.request("item-resume", diskId, 0, false), 512);
    long confirmed = waitForConfirmed(target);
    assertThat(confirmed).isGreaterThanOrEqualTo(256);

    // The caller asks for a later block than the target confirmed: it restarts at the latter.
    ResyncProgress done =
        Resyncs.last(Resyncs.run(agents, Resyncs.request("item-resume", diskId, 1024, false)));
    assertThat(done.getDone()).isTrue();
    // It restarted at a confirmed block (the target may have confirmed more batches before the
    // cancel reached it), not at 0 and not at the 1024 asked for.
    long restart = 1024 - done.getHashBytesReceived() / 16;
    assertThat(restart).isGreaterThanOrEqualTo(confirmed).isLessThan(1024);
    assertThat(restart % 256).isZero();
    // Blocks the first run wrote past its last confirmation now match and are not sent again.
    assertThat(done.getDifferingBlocks()).isBetween(3L, Math.max(0, 768 - restart) + 3);
    Replicas.assertIdentical(agents, vm, target);
    assertThat(confirmedFile(target)).doesNotExist();
  }

  private static ResyncProgress resyncWhenReachable(String itemId, String diskId) throws Exception {
    for (int attempt = 0; ; attempt++) {
      try {
        return Resyncs.last(Resyncs.run(agents, Resyncs.request(itemId, diskId, 0, false)));
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || attempt >= 50) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  @Test
  void R15_deltaReplicationResumesAfterResync() throws Exception {
    Vm vm = Replicas.createVm(agents, "delta", 8 * MIB);
    ReplicationState target = copiedItem("item-delta", vm);
    String diskId = vm.getDisks(0).getId();
    BlockDevice disk = agents.driverA().device(vm.getId(), diskId);
    Replicas.writeRandom(disk, new Random(3), 30, 16 * 1024);

    // Log 1 is sealed while the target is down, then rots at the source: delta is stuck.
    agents.stopB();
    try {
      catchThrowable(() -> cycle("item-delta"));
    } finally {
      agents.startB();
    }
    Path sealed =
        agents.dataA().resolve("vms").resolve(vm.getId()).resolve(diskId + "-000000000001.hrl");
    byte[] bytes = Files.readAllBytes(sealed);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(sealed, bytes);
    StatusRuntimeException stuck =
        (StatusRuntimeException)
            catchThrowable(() -> PeerCalls.whenReachable(() -> cycle("item-delta")));
    assertThat(stuck.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);

    // The cycle above may fail at the source before it dials the restarted target, so the first
    // call that does may still meet the old connection; a resync is resumable, so try again.
    ResyncProgress done = resyncWhenReachable("item-delta", diskId);
    // Every log sealed so far (1, and the empty ones of retried cycles) is covered by it.
    long covered = agents.agentA().getReplicationState(item("item-delta")).getLastSealedSeq();
    assertThat(done.getCoveredSeq()).isEqualTo(covered).isPositive();
    assertThat(sealed).doesNotExist();
    assertThat(agents.agentA().getReplicationState(item("item-delta")).getLastAckedSeq())
        .isEqualTo(covered);
    Replicas.assertIdentical(agents, vm, target);

    // Delta replication goes on with the next sequence, which becomes a recovery point.
    Replicas.writeRandom(disk, new Random(4), 30, 16 * 1024);
    ReplicateCycleResponse cycle = cycle("item-delta");
    assertThat(cycle.getSealedSeq()).isEqualTo(covered + 1);
    assertThat(cycle.getAckedSeq()).isEqualTo(covered + 1);
    Replicas.assertIdentical(agents, vm, target);
    ReplicationState state = agents.agentB().getReplicationState(item("item-delta"));
    assertThat(state.getLastAppliedSeq()).isEqualTo(covered + 1);
    assertThat(agents.agentB().listRecoveryPoints(item("item-delta")).getPoints(0).getId())
        .isEqualTo("rp-" + (covered + 1));
  }

  private long waitForConfirmed(ReplicationState target) throws Exception {
    Path file = confirmedFile(target);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!Files.exists(file) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    Matcher m = Pattern.compile("\"nextBlock\"\\s*:\\s*(\\d+)").matcher(Files.readString(file));
    assertThat(m.find()).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static Path confirmedFile(ReplicationState target) {
    return agents
        .driverB()
        .folder(target.getVmId())
        .resolve(target.getDisks(0).getReplicaDiskId() + ".resync.json");
  }

  static ReplicateCycleResponse cycle(String itemId) {
    return agents
        .agentA()
        .replicateCycle(ReplicateCycleRequest.newBuilder().setItemId(itemId).build());
  }

  static ItemRef item(String itemId) {
    return ItemRef.newBuilder().setItemId(itemId).build();
  }
}
