package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.haven.protocol.AgentInfo;
import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.GetInfoRequest;
import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.ListVmsRequest;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R3 and R5: an agent's identity, inventory and power, and its answers to bad requests. */
class AgentServiceTest {
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
  void R3_agentDescribesItself() {
    AgentInfo info = agents.agentB().getInfo(GetInfoRequest.getDefaultInstance());
    assertThat(info.getHostName()).isEqualTo("host-b");
    assertThat(info.getSite()).isEqualTo("secondary");
    assertThat(info.getVersion()).isNotBlank();
    assertThat(info.getFreeBytes()).isPositive();
    assertThat(info.getNbdAddress()).isEqualTo(agents.b.nbdAddress());
    assertThat(Path.of(info.getDataDir())).endsWith(Path.of("b", "data"));
  }

  @Test
  void R5_vmsAreCreatedListedAndPoweredAcrossRestarts() throws Exception {
    Vm vm =
        agents
            .agentA()
            .createVm(
                CreateVmRequest.newBuilder()
                    .setName("app")
                    .setCpus(4)
                    .setMemoryMib(2048)
                    .addDiskSizeBytes(8 * MIB)
                    .addDiskSizeBytes(2 * MIB)
                    .addNetworks("lan")
                    .build());
    assertThat(vm.getId()).matches("vm-[0-9a-f]{8}");
    assertThat(vm.getDisksList())
        .allSatisfy(d -> assertThat(d.getId()).matches("disk-[0-9a-f]{8}"));
    assertThat(vm.getPowerState()).isEqualTo("off");
    assertThat(vm.getDisks(0).getNbdUri()).isEmpty();

    Vm on = agents.agentA().setPower(power(vm.getId(), true));
    assertThat(on.getPowerState()).isEqualTo("on");
    assertThat(on.getDisks(1).getNbdUri())
        .isEqualTo("nbd://" + agents.a.nbdAddress() + "/" + vm.getDisks(1).getId());
    agents
        .driverA()
        .device(vm.getId(), vm.getDisks(0).getId())
        .write(MIB, ByteBuffer.wrap(new byte[] {1, 2, 3}), true);
    String hash = Replicas.hashA(agents, vm.getId(), vm.getDisks(0).getId());

    agents.restartBoth();
    Vm again = agents.agentA().getVm(VmRef.newBuilder().setVmId(vm.getId()).build());
    assertThat(again.getPowerState()).as("a running VM comes back running").isEqualTo("on");
    assertThat(again.getDisks(0).getNbdUri()).isNotEmpty();
    assertThat(Replicas.hashA(agents, vm.getId(), vm.getDisks(0).getId())).isEqualTo(hash);
    assertThat(agents.agentA().listVms(ListVmsRequest.getDefaultInstance()).getVmsList())
        .extracting(Vm::getId)
        .contains(vm.getId());

    Vm off = agents.agentA().setPower(power(vm.getId(), false));
    assertThat(off.getPowerState()).isEqualTo("off");
    assertThat(off.getDisks(0).getNbdUri()).isEmpty();
  }

  @Test
  void R12_replicaTakesTheShapeOfTheSourceOnTheMappedNetworks() {
    Vm vm = Replicas.createVm(agents, "mapped", 2 * MIB, 3 * MIB);
    ReplicationState target = Replicas.protect(agents, "item-mapped", vm);
    Vm replica = Replicas.vmOnB(agents, target.getVmId());
    assertThat(replica.getNetworksList()).containsExactly("dr-lan");
    assertThat(replica.getCpus()).isEqualTo(vm.getCpus());
    assertThat(replica.getMemoryMib()).isEqualTo(vm.getMemoryMib());
    assertThat(replica.getDisksList())
        .extracting(d -> d.getSizeBytes())
        .containsExactly(2 * MIB, 3 * MIB);
    assertThat(replica.getReplicaOfItem()).isEqualTo("item-mapped");
    assertThat(replica.getPowerState()).isEqualTo("off");
    agents.agentA().stopReplication(item("item-mapped"));
    agents.agentB().stopReplication(item("item-mapped"));
  }

  @Test
  void R5_powerOnOfActiveReplicaIsRefused() {
    Vm vm = Replicas.createVm(agents, "guarded", 2 * MIB);
    ReplicationState target = Replicas.protect(agents, "item-guard", vm);
    assertCode(
        () -> agents.agentB().setPower(power(target.getVmId(), true)),
        Status.Code.FAILED_PRECONDITION,
        "item-guard");
    assertThat(Replicas.vmOnB(agents, target.getVmId()).getPowerState()).isEqualTo("off");

    ReplicationState stopped = agents.agentB().stopReplication(item("item-guard"));
    assertThat(stopped.getActive()).isFalse();
    assertThat(agents.agentB().stopReplication(item("item-guard"))).isEqualTo(stopped);
    assertThat(agents.agentB().setPower(power(target.getVmId(), true)).getPowerState())
        .isEqualTo("on");
    // Replicating into a replica that now runs is refused too.
    assertCode(
        () ->
            agents
                .agentB()
                .prepareReplica(
                    PrepareReplicaRequest.newBuilder()
                        .setItemId("item-guard")
                        .setSourceVm(vm)
                        .build()),
        Status.Code.FAILED_PRECONDITION,
        "powered on");
    assertThat(agents.agentA().stopReplication(item("item-guard")).getActive()).isFalse();
  }

  @Test
  void unknownIdsAreNotFound() {
    assertCode(
        () -> agents.agentA().getVm(VmRef.newBuilder().setVmId("vm-00000000").build()),
        Status.Code.NOT_FOUND,
        "vm-00000000");
    assertCode(
        () -> agents.agentA().setPower(power("vm-11111111", true)),
        Status.Code.NOT_FOUND,
        "vm-11111111");
    Vm vm = Replicas.createVm(agents, "lonely", MIB);
    assertCode(
        () ->
            agents
                .agentA()
                .hashDisk(
                    HashDiskRequest.newBuilder()
                        .setVmId(vm.getId())
                        .setDiskId("disk-22222222")
                        .build()),
        Status.Code.NOT_FOUND,
        "disk-22222222");
    assertCode(
        () -> agents.agentA().getReplicationState(item("no-such-item")),
        Status.Code.NOT_FOUND,
        "no-such-item");
    assertCode(
        () ->
            agents
                .agentA()
                .replicateCycle(ReplicateCycleRequest.newBuilder().setItemId("nope").build()),
        Status.Code.NOT_FOUND,
        "nope");
    assertCode(
        () ->
            agents
                .agentA()
                .copyDisk(CopyDiskRequest.newBuilder().setItemId("nope2").setDiskId("d").build())
                .hasNext(),
        Status.Code.NOT_FOUND,
        "nope2");
    assertCode(
        () -> agents.agentB().listRecoveryPoints(item("nope3")), Status.Code.NOT_FOUND, "nope3");
  }

  @Test
  void badArgumentsAreInvalidAndChangeNothing() {
    int before = agents.agentA().listVms(ListVmsRequest.getDefaultInstance()).getVmsCount();
    assertCode(
        () ->
            agents
                .agentA()
                .createVm(
                    CreateVmRequest.newBuilder().setName("x").setCpus(1).setMemoryMib(1).build()),
        Status.Code.INVALID_ARGUMENT,
        "disk_size_bytes");
    assertCode(
        () ->
            agents
                .agentA()
                .createVm(
                    CreateVmRequest.newBuilder()
                        .setName("x")
                        .setMemoryMib(1)
                        .addDiskSizeBytes(MIB)
                        .build()),
        Status.Code.INVALID_ARGUMENT,
        "cpus");
    assertThat(agents.agentA().listVms(ListVmsRequest.getDefaultInstance()).getVmsCount())
        .isEqualTo(before);
    assertCode(
        () -> agents.agentA().getReplicationState(item("../etc")),
        Status.Code.INVALID_ARGUMENT,
        "item_id");
    Vm vm = Replicas.createVm(agents, "half", MIB);
    assertCode(
        () ->
            agents
                .agentA()
                .startReplication(
                    StartReplicationRequest.newBuilder()
                        .setItemId("item-half")
                        .setVmId(vm.getId())
                        .setTargetAddress(agents.b.grpcAddress())
                        .build()),
        Status.Code.INVALID_ARGUMENT,
        "disks");
    assertCode(
        () -> agents.agentA().getReplicationState(item("item-half")),
        Status.Code.NOT_FOUND,
        "item-half");
  }

  private static SetPowerRequest power(String vmId, boolean on) {
    return SetPowerRequest.newBuilder().setVmId(vmId).setOn(on).build();
  }

  private static ItemRef item(String itemId) {
    return ItemRef.newBuilder().setItemId(itemId).build();
  }

  private static void assertCode(ThrowingCallable call, Status.Code code, String mention) {
    Throwable error = catchThrowable(call);
    assertThat(error).isInstanceOf(StatusRuntimeException.class);
    Status status = ((StatusRuntimeException) error).getStatus();
    assertThat(status.getCode()).isEqualTo(code);
    assertThat(status.getDescription()).contains(mention);
  }
}
