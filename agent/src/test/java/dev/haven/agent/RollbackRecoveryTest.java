package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.io.AtomicFiles;
import dev.haven.agent.replication.RecoveryStore;
import dev.haven.protocol.MaterializeMode;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.Vm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R17/R20: an in-place rollback that a crash cut short (its intent stored, the target restarted)
 * blocks every log and every other materialization until it is redone, and the redo lands on the
 * point byte-exactly.
 */
class RollbackRecoveryTest {
  @TempDir Path root;

  @Test
  void R20_interruptedInPlaceRollbackIsRedoneBeforeAnythingElse() throws Exception {
    try (TwoAgents agents = TwoAgents.start(root)) {
      Vm vm = Replicas.createVm(agents, "redo", 2 * MIB);
      ReplicationState target = Replicas.protect(agents, "item-redo", vm);
      Replicas.copyAll(agents, "item-redo", vm);
      BlockDevice disk = agents.driverA().device(vm.getId(), vm.getDisks(0).getId());
      Random random = new Random(61);
      List<String> model = new ArrayList<>();
      model.add("");
      for (int seq = 1; seq <= 3; seq++) {
        Replicas.writeRandom(disk, random, 8, 32 * 1024);
        PointCalls.cycle(agents, "item-redo");
        model.add(Replicas.hashA(agents, vm.getId(), vm.getDisks(0).getId()));
      }

      // The target stops right after storing the intent to roll back to rp-1.
      agents.stopB();
      Path state = agents.dataB().resolve("recovery").resolve("item-redo.json");
      Files.createDirectories(state.getParent());
      AtomicFiles.writeJson(
          state, new RecoveryStore.Item("item-redo", 0, 0, 0, null, List.of(), 1, false, ""));
      agents.startB();
      agents.a.channels().channel(agents.b.grpcAddress()).resetConnectBackoff();

      Replicas.writeRandom(disk, random, 2, 4096);
      assertRefused(
          () -> PeerCalls.whenReachable(() -> PointCalls.cycle(agents, "item-redo")),
          "being rolled back");
      assertRefused(
          () -> PointCalls.materialize(agents, "item-redo", "rp-2", MaterializeMode.NEW_COPY),
          "must finish first");
      assertRefused(
          () -> PointCalls.materialize(agents, "item-redo", "rp-2", MaterializeMode.IN_PLACE),
          "must finish first");

      String replicaDisk = target.getDisks(0).getReplicaDiskId();
      assertThat(
              PointCalls.materialize(agents, "item-redo", "rp-1", MaterializeMode.IN_PLACE)
                  .getDiskSha256List())
          .containsExactly(model.get(1));
      assertThat(Replicas.hashB(agents, target.getVmId(), replicaDisk)).isEqualTo(model.get(1));
      assertThat(PointCalls.points(agents, "item-redo"))
          .extracting(RecoveryPoint::getId)
          .containsExactly("rp-1");
      assertThat(PointCalls.journals(agents.dataB(), target.getVmId())).isEmpty();
      // Done once, asking again changes nothing.
      assertThat(
              PointCalls.materialize(agents, "item-redo", "rp-1", MaterializeMode.IN_PLACE)
                  .getLogsUndone())
          .isZero();
      assertThat(Replicas.hashB(agents, target.getVmId(), replicaDisk)).isEqualTo(model.get(1));
    }
  }

  private static void assertRefused(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String why) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).contains(why);
            });
  }
}
