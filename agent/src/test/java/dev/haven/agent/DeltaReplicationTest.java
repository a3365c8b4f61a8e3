package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import dev.haven.agent.PeerCalls.Rec;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ApplyOutcome;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.LogFrame;
import dev.haven.protocol.PeerServiceGrpc.PeerServiceStub;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.ShipLogResponse;
import dev.haven.protocol.Vm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R13: sealed logs are shipped, verified and applied in order, exactly once. */
class DeltaReplicationTest {
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

  /** A protected, fully copied VM with one 4 MiB disk; answers the target's state. */
  private static ReplicationState copiedItem(String itemId, Vm vm) {
    ReplicationState target = Replicas.protect(agents, itemId, vm);
    Replicas.copyAll(agents, itemId, vm);
    return target;
  }

  @Test
  void R13_logsApplyInOrderExactlyOnce() {
    Vm vm = Replicas.createVm(agents, "once", 4 * MIB);
    ReplicationState target = copiedItem("item-once", vm);
    String replicaDisk = target.getDisks(0).getReplicaDiskId();
    PeerServiceStub peer = agents.client().peer(agents.b.grpcAddress());
    Random random = new Random(5);

    List<LogFrame> first = PeerCalls.log("item-once", replicaDisk, 1, 1, records(random, 10));
    ShipLogResponse applied = PeerCalls.ship(peer, first);
    assertThat(applied.getOutcome()).isEqualTo(ApplyOutcome.APPLIED);
    assertThat(applied.getAppliedSeq()).isEqualTo(1);
    String afterFirst = Replicas.hashB(agents, target.getVmId(), replicaDisk);

    // The same log again, and another log claiming the same sequence: neither is applied.
    assertThat(PeerCalls.ship(peer, first).getOutcome()).isEqualTo(ApplyOutcome.ALREADY_APPLIED);
    List<LogFrame> impostor = PeerCalls.log("item-once", replicaDisk, 1, 1, records(random, 10));
    ShipLogResponse again = PeerCalls.ship(peer, impostor);
    assertThat(again.getOutcome()).isEqualTo(ApplyOutcome.ALREADY_APPLIED);
    assertThat(again.getAppliedSeq()).isEqualTo(1);
    assertThat(Replicas.hashB(agents, target.getVmId(), replicaDisk)).isEqualTo(afterFirst);

    // A gap is refused: log 3 cannot come before log 2.
    List<LogFrame> third = PeerCalls.log("item-once", replicaDisk, 3, 1, records(random, 3));
    assertThatThrownBy(() -> PeerCalls.ship(peer, third))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).contains("next log is 2");
            });
    assertThat(Replicas.hashB(agents, target.getVmId(), replicaDisk)).isEqualTo(afterFirst);
    assertThat(
            PeerCalls.ship(peer, PeerCalls.log("item-once", replicaDisk, 2, 1, records(random, 3)))
                .getOutcome())
        .isEqualTo(ApplyOutcome.APPLIED);
    assertThat(PeerCalls.ship(peer, third).getOutcome()).isEqualTo(ApplyOutcome.APPLIED);
    List<RecoveryPoint> points = points("item-once");
    assertThat(points).extracting(RecoveryPoint::getSeq).containsExactly(3L, 2L, 1L);
    assertThat(points.get(0).getId()).isEqualTo("rp-3");
    assertThat(points.get(0).getCreatedAtMillis()).isEqualTo(3500);
    assertThat(points.get(0).getAppConsistent()).isFalse();
  }

  @Test
  void R13_flippedBitInLogIsRejectedAndReplicaUntouched() {
    Vm vm = Replicas.createVm(agents, "flip", 4 * MIB);
    ReplicationState target = copiedItem("item-flip", vm);
    String replicaDisk = target.getDisks(0).getReplicaDiskId();
    PeerServiceStub peer = agents.client().peer(agents.b.grpcAddress());
    String before = Replicas.hashB(agents, target.getVmId(), replicaDisk);
    List<LogFrame> good = PeerCalls.log("item-flip", replicaDisk, 1, 1, records(new Random(6), 8));

    // One bit of a record's data flips on the way: its CRC32C no longer matches.
    List<LogFrame> flipped = new ArrayList<>(good);
    int last = 3;
    byte[] data = flipped.get(last).getRecord().getData().toByteArray();
    data[data.length / 2] ^= 0x10;
    flipped.set(
        last,
        LogFrame.newBuilder()
            .setRecord(flipped.get(last).getRecord().toBuilder().setData(ByteString.copyFrom(data)))
            .build());
    assertDataLoss(() -> PeerCalls.ship(peer, flipped));

    // A flipped offset keeps every CRC32C right, but not the trailer's digest.
    List<LogFrame> moved = new ArrayList<>(good);
    moved.set(
        1,
        LogFrame.newBuilder()
            .setRecord(
                moved.get(1).getRecord().toBuilder()
                    .setOffset(moved.get(1).getRecord().getOffset() ^ 512))
            .build());
    assertDataLoss(() -> PeerCalls.ship(peer, moved));

    assertThat(Replicas.hashB(agents, target.getVmId(), replicaDisk)).isEqualTo(before);
    assertThat(agents.agentB().getReplicationState(item("item-flip")).getLastAppliedSeq()).isZero();
    assertThat(PeerCalls.ship(peer, good).getOutcome()).isEqualTo(ApplyOutcome.APPLIED);
  }

  @Test
  void R13_corruptSealedLogAtSourceIsNeverApplied() throws Exception {
    Vm vm = Replicas.createVm(agents, "rot", 4 * MIB);
    ReplicationState target = copiedItem("item-rot", vm);
    String diskId = vm.getDisks(0).getId();
    String replicaDisk = target.getDisks(0).getReplicaDiskId();
    BlockDevice disk = agents.driverA().device(vm.getId(), diskId);
    Replicas.writeRandom(disk, new Random(7), 20, 16 * 1024);
    String before = Replicas.hashB(agents, target.getVmId(), replicaDisk);

    // The target is down: the cycle seals log 1 but cannot ship it.
    agents.stopB();
    try {
      assertThatThrownBy(() -> cycle("item-rot"))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    } finally {
      agents.startB();
    }
    Path sealed =
        agents.dataA().resolve("vms").resolve(vm.getId()).resolve(diskId + "-000000000001.hrl");
    byte[] bytes = Files.readAllBytes(sealed);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(sealed, bytes);

    StatusRuntimeException error =
        (StatusRuntimeException)
            catchThrowable(() -> PeerCalls.whenReachable(() -> cycle("item-rot")));
    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
    assertThat(Replicas.hashB(agents, target.getVmId(), replicaDisk)).isEqualTo(before);
    assertThat(agents.agentB().getReplicationState(item("item-rot")).getLastAppliedSeq()).isZero();
  }

  @Test
  void R13_recoveryPointsListedNewestFirst() {
    Vm vm = Replicas.createVm(agents, "points", 2 * MIB, 3 * MIB);
    ReplicationState target = copiedItem("item-points", vm);
    List<ReplicateCycleResponse> cycles = new ArrayList<>();
    Random random = new Random(8);
    for (int i = 0; i < 3; i++) {
      write(vm, 0, random);
      write(vm, 1, random);
      cycles.add(cycle("item-points"));
    }
    assertThat(cycles).extracting(ReplicateCycleResponse::getSealedSeq).containsExactly(1L, 2L, 3L);
    assertThat(cycles).extracting(ReplicateCycleResponse::getLogsShipped).containsOnly(2);
    List<RecoveryPoint> points = points("item-points");
    assertThat(points).extracting(RecoveryPoint::getId).containsExactly("rp-3", "rp-2", "rp-1");
    assertThat(points)
        .extracting(RecoveryPoint::getCreatedAtMillis)
        .containsExactly(
            cycles.get(2).getSealedAtMillis(),
            cycles.get(1).getSealedAtMillis(),
            cycles.get(0).getSealedAtMillis());
    assertThat(agents.agentA().listRecoveryPoints(item("item-points")).getPointsList())
        .as("the source holds no recovery points")
        .isEmpty();
    Replicas.assertIdentical(agents, vm, target);
  }

  @Test
  void R13_replicationResumesAfterBothAgentsRestart() throws Exception {
    Vm vm = Replicas.createVm(agents, "restart", 4 * MIB);
    ReplicationState target = copiedItem("item-restart", vm);
    Random random = new Random(9);
    write(vm, 0, random);
    cycle("item-restart");
    write(vm, 0, random);
    agents.restartBoth();
    write(vm, 0, random);
    ReplicateCycleResponse cycle = PeerCalls.whenReachable(() -> cycle("item-restart"));
    assertThat(cycle.getSealedSeq()).isEqualTo(2);
    assertThat(cycle.getAckedSeq()).isEqualTo(2);
    Replicas.assertIdentical(agents, vm, target);
    assertThat(points("item-restart")).extracting(RecoveryPoint::getSeq).containsExactly(2L, 1L);
  }

  private static void write(Vm vm, int disk, Random random) {
    try {
      BlockDevice device = agents.driverA().device(vm.getId(), vm.getDisks(disk).getId());
      Replicas.writeRandom(device, random, 10, 16 * 1024);
      device.writeZeroes(4096L * random.nextInt(256), 8192, false);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Rec> records(Random random, int count) {
    List<Rec> recs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i % 4 == 3) {
        recs.add(Rec.zero(4096L * random.nextInt(1000), 4096));
      } else {
        byte[] data = new byte[512 * (1 + random.nextInt(16))];
        random.nextBytes(data);
        recs.add(Rec.data(512L * random.nextInt(7000), data));
      }
    }
    return recs;
  }

  private static void assertDataLoss(ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
              assertThat(e.getStatus().getDescription()).contains("nothing was applied");
            });
  }

  private static ReplicateCycleResponse cycle(String itemId) {
    return agents
        .agentA()
        .replicateCycle(ReplicateCycleRequest.newBuilder().setItemId(itemId).build());
  }

  private static List<RecoveryPoint> points(String itemId) {
    return agents.agentB().listRecoveryPoints(item(itemId)).getPointsList();
  }

  private static ItemRef item(String itemId) {
    return ItemRef.newBuilder().setItemId(itemId).build();
  }
}
