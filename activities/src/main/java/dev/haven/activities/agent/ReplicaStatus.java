package dev.haven.activities.agent;

import dev.haven.protocol.Disk;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.Role;
import dev.haven.protocol.Vm;
import dev.haven.workflows.activities.AgentActivities.ReplicationProgress;
import dev.haven.workflows.activities.AgentActivities.ResyncStatus;
import dev.haven.workflows.activities.AgentActivities.StateInput;
import java.util.List;
import java.util.Locale;

/**
 * What an agent reports about an item's replication, read two ways: as progress (role, sequences,
 * whether the initial copy is done) and as the resync decision (R15) with the sizes it weighs.
 */
final class ReplicaStatus {
  private final AgentCalls calls;

  ReplicaStatus(AgentCalls calls) {
    this.calls = calls;
  }

  ReplicationProgress progress(StateInput in) {
    ReplicationState s = calls.replicationState(in.agentAddress(), in.itemId());
    String role =
        s.getRole() == Role.ROLE_UNSPECIFIED ? "none" : s.getRole().name().toLowerCase(Locale.ROOT);
    return new ReplicationProgress(
        role,
        s.getActive(),
        s.getLastSealedSeq(),
        s.getLastAckedSeq(),
        s.getLastAppliedSeq(),
        DiskMappings.initialCopyDone(s),
        s.getPendingBytes());
  }

  // --- resync (R15) ---
  ResyncStatus resync(StateInput in) {
    ReplicationState s = calls.replicationState(in.agentAddress(), in.itemId());
    Vm vm = calls.getVm(in.agentAddress(), s.getVmId());
    long diskBytes = vm.getDisksList().stream().mapToLong(Disk::getSizeBytes).sum();
    List<String> diskIds = s.getDisksList().stream().map(DiskMapping::getSourceDiskId).toList();
    return new ResyncStatus(
        s.getResyncRequired(), s.getResyncReason(), s.getPendingBytes(), diskBytes, diskIds);
  }
  // --- end resync (R15) ---
}
