package dev.haven.activities.agent;

import dev.haven.protocol.CreateTestVmRequest;
import dev.haven.protocol.Disk;
import dev.haven.protocol.MaterializeMode;
import dev.haven.protocol.MaterializeRecoveryPointRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.SetVmAddressesRequest;
import dev.haven.protocol.VmRef;
import dev.haven.workflows.activities.AgentActivities.AddressesInput;
import dev.haven.workflows.activities.AgentActivities.AddressesSet;
import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.MaterializeInput;
import dev.haven.workflows.activities.AgentActivities.MaterializedPoint;
import dev.haven.workflows.activities.AgentActivities.TestVmCreated;
import dev.haven.workflows.activities.AgentActivities.TestVmInput;
import dev.haven.workflows.activities.AgentActivities.VmDeleted;
import java.util.List;

/**
 * The VMs that failover and test failover make at the target: a recovery point rebuilt (in place or
 * as a new VM), a test VM on a copy-on-write overlay, the addresses of a failed-over VM, and
 * deleting any of them.
 */
final class FailoverVms {
  private final AgentCalls calls;

  FailoverVms(AgentCalls calls) {
    this.calls = calls;
  }

  MaterializedPoint materialize(MaterializeInput in) {
    MaterializeRecoveryPointRequest request =
        MaterializeRecoveryPointRequest.newBuilder()
            .setItemId(in.itemId())
            .setPointId(in.pointId() == null ? "" : in.pointId())
            .setMode(in.inPlace() ? MaterializeMode.IN_PLACE : MaterializeMode.NEW_COPY)
            .setCopyName(in.copyName() == null ? "" : in.copyName())
            .build();
    // Rebuilding copies and hashes whole disks, like HashDisk: the same long deadline.
    MaterializeRecoveryPointResponse r =
        calls.callHeartbeating(
            "MaterializeRecoveryPoint",
            in.targetAgent(),
            AgentActivitiesImpl.HASH_DEADLINE,
            in.itemId(),
            s -> s.materializeRecoveryPoint(request));
    return materializedPoint(r, r.getLogsUndone());
  }

  /**
   * The point and VM that a host built, as the workflow records them. A cloud host undoes no logs,
   * so its caller passes 0 rather than what the response leaves unset.
   */
  static MaterializedPoint materializedPoint(MaterializeRecoveryPointResponse r, int logsUndone) {
    RecoveryPoint point = r.getPoint();
    return new MaterializedPoint(
        point.getId(),
        point.getSeq(),
        point.getCreatedAtMillis(),
        point.getAppConsistent(),
        r.getVm().getId(),
        r.getVm().getDisksList().stream().map(Disk::getId).toList(),
        List.copyOf(r.getDiskSha256List()),
        logsUndone);
  }

  TestVmCreated createTestVm(TestVmInput in) {
    CreateTestVmRequest request =
        CreateTestVmRequest.newBuilder()
            .setItemId(in.itemId())
            .setPointId(in.pointId() == null ? "" : in.pointId())
            .setNetwork(in.network())
            .build();
    MaterializeRecoveryPointResponse r =
        calls.call(
            "CreateTestVm",
            in.targetAgent(),
            AgentActivitiesImpl.COMMAND_DEADLINE,
            s -> s.createTestVm(request));
    return new TestVmCreated(
        r.getVm().getId(),
        r.getPoint().getId(),
        r.getPoint().getSeq(),
        r.getPoint().getCreatedAtMillis());
  }

  AddressesSet setAddresses(AddressesInput in) {
    SetVmAddressesRequest request =
        SetVmAddressesRequest.newBuilder()
            .setVmId(in.vmId())
            .setStaticIp(in.staticIp() == null ? "" : in.staticIp())
            .setPublicIp(in.publicIp() == null ? "" : in.publicIp())
            .build();
    calls.call(
        "SetVmAddresses",
        in.agentAddress(),
        AgentActivitiesImpl.COMMAND_DEADLINE,
        s -> s.setVmAddresses(request));
    return new AddressesSet(in.vmId());
  }

  VmDeleted delete(DeleteVmInput in) {
    VmRef ref = VmRef.newBuilder().setVmId(in.vmId()).build();
    // Deleting is idempotent: a VM that is gone already is deleted.
    calls.callUnlessGone(
        "DeleteVm", in.agentAddress(), AgentActivitiesImpl.COMMAND_DEADLINE, s -> s.deleteVm(ref));
    return new VmDeleted(in.vmId());
  }
}
