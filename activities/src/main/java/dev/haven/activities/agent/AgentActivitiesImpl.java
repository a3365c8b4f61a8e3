package dev.haven.activities.agent;

import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.HashDiskResponse;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.RecoveryPolicy;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.SetRecoveryPolicyRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.workflows.activities.AgentActivities;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent activities as thin gRPC calls over mutual TLS, each with a deadline inside the
 * workflow's start-to-close timeout. Disk data flows agent to agent; these calls carry ids,
 * sequences and sizes only. gRPC errors become {@link ApplicationFailure}s typed as R16 says.
 */
public final class AgentActivitiesImpl implements AgentActivities {
  /** Short commands; the workflow allows two minutes per attempt. */
  static final Duration COMMAND_DEADLINE = Duration.ofSeconds(60);

  /** A delta cycle ships every unacknowledged log; the workflow allows an hour. */
  static final Duration CYCLE_DEADLINE = Duration.ofMinutes(55);

  /** Hashing one disk reads it whole; the workflow allows two hours for all of a VM's disks. */
  static final Duration HASH_DEADLINE = Duration.ofMinutes(110);

  private final AgentCalls calls;
  private final DiskCopier copier;
  private final DiskResyncer resyncer;
  private final Prerequisites prerequisites;
  private final FailoverVms failoverVms;
  private final CloudReplicationCalls cloud;
  private final ReplicaSetup setup;
  private final ReplicaStatus status;

  public AgentActivitiesImpl(AgentChannels channels) {
    this.calls = new AgentCalls(channels);
    this.copier = new DiskCopier(calls);
    this.resyncer = new DiskResyncer(calls);
    this.prerequisites = new Prerequisites(calls, COMMAND_DEADLINE);
    this.failoverVms = new FailoverVms(calls);
    this.cloud = new CloudReplicationCalls(calls);
    this.setup = new ReplicaSetup(calls);
    this.status = new ReplicaStatus(calls);
  }

  // --- cloud site (issue 8) ---
  @Override
  public ReplicaPrepared startCloudReplication(CloudStartInput in) {
    return cloud.start(in);
  }

  @Override
  public DiskCopied copyDiskToCloud(CloudCopyInput in) {
    return cloud.copy(in);
  }

  @Override
  public MaterializedPoint materializeCloudPoint(CloudMaterializeInput in) {
    return cloud.materialize(in);
  }

  @Override
  public CloudItemDeleted deleteCloudItem(CloudItemInput in) {
    return cloud.deleteItem(in);
  }

  // --- end cloud site ---

  @Override
  public ReplicaPrepared prepareReplica(PrepareReplicaInput in) {
    return setup.prepare(in);
  }

  // --- reverse replication (R25) ---
  @Override
  public ReplicaPrepared prepareSeededReplica(SeededReplicaInput in) {
    return setup.prepareSeeded(in);
  }

  // --- end reverse replication (R25) ---

  @Override
  public ReplicationStarted startReplication(StartReplicationInput in) {
    return setup.start(in);
  }

  @Override
  public DiskCopied copyDisk(CopyDiskInput in) {
    return copier.copy(in);
  }

  @Override
  public CycleResult replicateCycle(CycleInput in) {
    ReplicateCycleRequest request =
        ReplicateCycleRequest.newBuilder().setItemId(in.itemId()).build();
    ReplicateCycleResponse r =
        calls.callHeartbeating(
            "ReplicateCycle",
            in.sourceAgent(),
            CYCLE_DEADLINE,
            in.itemId(),
            s -> s.replicateCycle(request));
    return new CycleResult(
        r.getSealedSeq(),
        r.getAckedSeq(),
        r.getBytesShipped(),
        r.getSealedAtMillis(),
        r.getPendingBytes());
  }

  @Override
  public ReplicationProgress replicationState(StateInput in) {
    return status.progress(in);
  }

  @Override
  public PowerResult setPower(PowerInput in) {
    SetPowerRequest request =
        SetPowerRequest.newBuilder().setVmId(in.vmId()).setOn(in.on()).build();
    Vm vm = calls.call("SetPower", in.agentAddress(), COMMAND_DEADLINE, s -> s.setPower(request));
    return new PowerResult(vm.getId(), vm.getPowerState());
  }

  @Override
  public DiskHashes hashDisks(HashDisksInput in) {
    Vm vm = calls.getVm(in.agentAddress(), in.vmId());
    List<String> hashes = new ArrayList<>();
    List<String> diskIds = new ArrayList<>();
    for (int i = 0; i < vm.getDisksCount(); i++) {
      String diskId = vm.getDisks(i).getId();
      HashDiskRequest request =
          HashDiskRequest.newBuilder().setVmId(in.vmId()).setDiskId(diskId).build();
      HashDiskResponse hash =
          calls.callHeartbeating(
              "HashDisk", in.agentAddress(), HASH_DEADLINE, i, s -> s.hashDisk(request));
      hashes.add(hash.getSha256());
      diskIds.add(diskId);
      Activity.getExecutionContext().heartbeat(i + 1);
    }
    return new DiskHashes(hashes, diskIds);
  }

  @Override
  public Stopped stopReplication(StopInput in) {
    ItemRef item = ItemRef.newBuilder().setItemId(in.itemId()).build();
    // Stopping is idempotent: an agent that no longer knows the item has nothing to stop.
    calls.callUnlessGone(
        "StopReplication", in.agentAddress(), COMMAND_DEADLINE, s -> s.stopReplication(item));
    return new Stopped(in.itemId());
  }

  // --- failover and test failover VMs (R17, R19, R20, R27) ---

  @Override
  public MaterializedPoint materializeRecoveryPoint(MaterializeInput in) {
    return failoverVms.materialize(in);
  }

  @Override
  public TestVmCreated createTestVm(TestVmInput in) {
    return failoverVms.createTestVm(in);
  }

  @Override
  public AddressesSet setVmAddresses(AddressesInput in) {
    return failoverVms.setAddresses(in);
  }

  @Override
  public VmDeleted deleteVm(DeleteVmInput in) {
    return failoverVms.delete(in);
  }

  @Override
  public PrerequisitesMet checkPrerequisites(PrerequisitesInput in) {
    return prerequisites.check(in);
  }

  @Override
  public ReplicaNetworks verifyReplicaNetworks(ReplicaNetworksInput in) {
    return prerequisites.verifyNetworks(in);
  }

  // --- resync (R15) ---
  @Override
  public DiskResynced resyncDisk(ResyncDiskInput in) {
    return resyncer.resync(in);
  }

  @Override
  public ResyncStatus resyncStatus(StateInput in) {
    return status.resync(in);
  }

  @Override
  public RecoveryPolicyApplied setRecoveryPolicy(RecoveryPolicyInput in) {
    SetRecoveryPolicyRequest request =
        SetRecoveryPolicyRequest.newBuilder()
            .setItemId(in.itemId())
            .setRetentionMillis(in.retentionMillis())
            .setAppConsistentEveryMillis(in.appConsistentEveryMillis())
            .build();
    RecoveryPolicy applied =
        calls.call(
            "SetRecoveryPolicy",
            in.agentAddress(),
            COMMAND_DEADLINE,
            stub -> stub.setRecoveryPolicy(request));
    return new RecoveryPolicyApplied(
        in.itemId(), applied.getRetentionMillis(), applied.getAppConsistentEveryMillis());
  }
  // --- end resync (R15) ---
}
