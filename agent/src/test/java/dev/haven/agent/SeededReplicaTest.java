package dev.haven.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.Role;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R25 at the agent: PrepareReplica with {@code seed_vm_id} makes an existing VM the item's replica
 * (the old source VM of a reverse replication). A seed that runs, has other disks or does not exist
 * is refused with a clear error, and nothing is stored.
 */
class SeededReplicaTest {
  @TempDir Path tmp;

  private static Vm vmOnB(TwoAgents agents, String name, long size, boolean on) {
    Vm vm =
        agents
            .agentB()
            .createVm(
                CreateVmRequest.newBuilder()
                    .setName(name)
                    .setCpus(1)
                    .setMemoryMib(256)
                    .addDiskSizeBytes(size)
                    .addNetworks("dr-lan")
                    .build());
    if (on) {
      agents
          .agentB()
          .setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(true).build());
    }
    return vm;
  }

  private static ReplicationState prepare(TwoAgents agents, String itemId, Vm source, String seed) {
    return agents
        .agentB()
        .prepareReplica(
            PrepareReplicaRequest.newBuilder()
                .setItemId(itemId)
                .setSourceVm(source)
                .setSeedVmId(seed)
                .build());
  }

  private static void assertNothingStored(TwoAgents agents, String itemId) {
    assertThatThrownBy(
            () ->
                agents.agentB().getReplicationState(ItemRef.newBuilder().setItemId(itemId).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void R25_anExistingPoweredOffVmOfTheSameShapeBecomesTheReplica() throws Exception {
    try (TwoAgents agents = TwoAgents.start(tmp)) {
      Vm source = Replicas.createVm(agents, "app", 4 * Replicas.MIB);
      Vm seed = vmOnB(agents, "old-app", 4 * Replicas.MIB, false);

      ReplicationState state = prepare(agents, "item-s", source, seed.getId());

      assertThat(state.getRole()).isEqualTo(Role.TARGET);
      assertThat(state.getActive()).isTrue();
      assertThat(state.getVmId()).isEqualTo(seed.getId());
      assertThat(state.getDisks(0).getReplicaDiskId()).isEqualTo(seed.getDisks(0).getId());
      assertThat(state.getDisks(0).getSourceDiskId()).isEqualTo(source.getDisks(0).getId());
      // Asking again answers the same replica; no VM is created.
      assertThat(prepare(agents, "item-s", source, seed.getId()).getVmId()).isEqualTo(seed.getId());
      assertThat(agents.driverB().list()).hasSize(1);
    }
  }

  @Test
  void R25_aRunningSeedAnotherShapeOrAnUnknownVmIsRefusedAndNothingIsStored() throws Exception {
    try (TwoAgents agents = TwoAgents.start(tmp)) {
      Vm source = Replicas.createVm(agents, "app", 4 * Replicas.MIB);
      Vm running = vmOnB(agents, "running", 4 * Replicas.MIB, true);
      Vm other = vmOnB(agents, "other", 8 * Replicas.MIB, false);

      assertThatThrownBy(() -> prepare(agents, "item-x", source, running.getId()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(e.getStatus().getDescription()).contains("is powered on");
              });
      assertThatThrownBy(() -> prepare(agents, "item-x", source, other.getId()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(e.getStatus().getDescription()).contains("other disks");
              });
      assertThatThrownBy(() -> prepare(agents, "item-x", source, "vm-nope"))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
      assertNothingStored(agents, "item-x");
    }
  }
}
