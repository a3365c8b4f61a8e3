package dev.haven.activities.agent;

import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.ListVmsRequest;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.Vm;
import dev.haven.workflows.activities.AgentActivities.DiskPair;
import dev.haven.workflows.activities.AgentActivities.PrepareReplicaInput;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.AgentActivities.ReplicationStarted;
import dev.haven.workflows.activities.AgentActivities.SeededReplicaInput;
import dev.haven.workflows.activities.AgentActivities.StartReplicationInput;
import dev.haven.workflows.model.ErrorType;
import io.temporal.failure.ApplicationFailure;

/**
 * Setting replication up between two agents: the target builds a replica of the source VM (empty,
 * or seeded from the old source VM when the direction reverses, R25), then the source starts
 * tracking writes towards it.
 */
final class ReplicaSetup {
  private final AgentCalls calls;

  ReplicaSetup(AgentCalls calls) {
    this.calls = calls;
  }

  ReplicaPrepared prepare(PrepareReplicaInput in) {
    Vm source = calls.getVm(in.sourceAgent(), in.vmId());
    PrepareReplicaRequest.Builder request =
        PrepareReplicaRequest.newBuilder().setItemId(in.itemId()).setSourceVm(source);
    if (in.networkMapping() != null) {
      request.putAllNetworkMapping(in.networkMapping());
    }
    ReplicationState target =
        calls.call(
            "PrepareReplica",
            in.targetAgent(),
            AgentActivitiesImpl.COMMAND_DEADLINE,
            s -> s.prepareReplica(request.build()));
    String replicaVmId =
        target.getVmId().isEmpty() ? findReplica(in.targetAgent(), in.itemId()) : target.getVmId();
    return new ReplicaPrepared(replicaVmId, DiskMappings.pair(in.itemId(), source, target));
  }

  // --- reverse replication (R25) ---
  ReplicaPrepared prepareSeeded(SeededReplicaInput in) {
    Vm source = calls.getVm(in.sourceAgent(), in.vmId());
    PrepareReplicaRequest request =
        PrepareReplicaRequest.newBuilder()
            .setItemId(in.itemId())
            .setSourceVm(source)
            .setSeedVmId(in.seedVmId())
            .build();
    ReplicationState target =
        calls.call(
            "PrepareReplica",
            in.targetAgent(),
            AgentActivitiesImpl.COMMAND_DEADLINE,
            s -> s.prepareReplica(request));
    return new ReplicaPrepared(target.getVmId(), DiskMappings.pair(in.itemId(), source, target));
  }

  // --- end reverse replication (R25) ---

  ReplicationStarted start(StartReplicationInput in) {
    StartReplicationRequest.Builder request =
        StartReplicationRequest.newBuilder()
            .setItemId(in.itemId())
            .setVmId(in.vmId())
            .setTargetAddress(in.targetAgent())
            .setReplicaVmId(in.replicaVmId());
    for (DiskPair disk : in.disks()) {
      request.addDisks(
          DiskMapping.newBuilder()
              .setSourceDiskId(disk.sourceDiskId())
              .setReplicaDiskId(disk.replicaDiskId()));
    }
    ReplicationState state =
        calls.call(
            "StartReplication",
            in.sourceAgent(),
            AgentActivitiesImpl.COMMAND_DEADLINE,
            s -> s.startReplication(request.build()));
    return new ReplicationStarted(state.getLastSealedSeq());
  }

  /** The replica VM that the target built for the item, when PrepareReplica did not name it. */
  private String findReplica(String address, String itemId) {
    return calls
        .call(
            "ListVms",
            address,
            AgentActivitiesImpl.COMMAND_DEADLINE,
            s -> s.listVms(ListVmsRequest.getDefaultInstance()))
        .getVmsList()
        .stream()
        .filter(vm -> vm.getReplicaOfItem().equals(itemId))
        .map(Vm::getId)
        .findFirst()
        .orElseThrow(
            () ->
                ApplicationFailure.newNonRetryableFailure(
                    "agent " + address + " prepared no replica VM for item " + itemId,
                    ErrorType.REPLICA_INVALID_STATE.typeName()));
  }
}
