package dev.haven.workflows.activities;

import io.temporal.activity.ActivityInterface;
import java.util.List;
import java.util.Map;

/**
 * Commands to host agents over gRPC with mutual TLS. Every method is a thin call; disk data flows
 * agent to agent and never through these payloads, which carry ids, sequences and sizes only. Every
 * method is idempotent, so that Temporal's retries are harmless.
 */
@ActivityInterface
public interface AgentActivities extends CloudSiteActivities {

  /** A source disk and the replica disk it replicates to. */
  record DiskPair(String sourceDiskId, String replicaDiskId, long sizeBytes) {}

  record PrepareReplicaInput(
      String itemId,
      String sourceAgent,
      String vmId,
      String targetAgent,
      Map<String, String> networkMapping) {}

  record ReplicaPrepared(String replicaVmId, List<DiskPair> disks) {}

  /**
   * Reads the source VM's shape and creates (or finds, by item id) its powered-off replica at the
   * target, with disks of the same sizes.
   */
  ReplicaPrepared prepareReplica(PrepareReplicaInput input);

  record StartReplicationInput(
      String itemId,
      String sourceAgent,
      String vmId,
      String targetAgent,
      String replicaVmId,
      List<DiskPair> disks) {}

  record ReplicationStarted(long lastSealedSeq) {}

  /** Starts change tracking for the item at the source. Idempotent. */
  ReplicationStarted startReplication(StartReplicationInput input);

  record CopyDiskInput(String itemId, String sourceAgent, String targetAgent, String diskId) {}

  record DiskCopied(String diskId, long totalChunks, long bytesSent, long zeroChunksSkipped) {}

  /**
   * Copies one disk to the target, resuming from the chunk the target last persisted; heartbeats
   * with the next chunk as it goes.
   */
  DiskCopied copyDisk(CopyDiskInput input);

  record CycleInput(String itemId, String sourceAgent) {}

  record CycleResult(
      long sealedSeq, long ackedSeq, long bytesShipped, long sealedAtMillis, long pendingBytes) {}

  /** Seals the item's change logs at the source and ships every unacknowledged one. */
  CycleResult replicateCycle(CycleInput input);

  record StateInput(String itemId, String agentAddress) {}

  record ReplicationProgress(
      String role,
      boolean active,
      long lastSealedSeq,
      long lastAckedSeq,
      long lastAppliedSeq,
      boolean initialCopyDone,
      long pendingBytes) {}

  /** What one agent knows of the item's replication. */
  ReplicationProgress replicationState(StateInput input);

  record PowerInput(String agentAddress, String vmId, boolean on) {}

  record PowerResult(String vmId, String powerState) {}

  /** Powers a VM on or off; powering off flushes and closes its NBD exports. */
  PowerResult setPower(PowerInput input);

  record HashDisksInput(String agentAddress, String vmId) {}

  /**
   * SHA-256 of each disk, in the VM's disk order; {@code diskIds} names the disks in the same
   * order, so that a mismatch can say which disk differs.
   */
  record DiskHashes(List<String> sha256, List<String> diskIds) {}

  /** Hashes every disk of a VM. Heartbeats while it reads. */
  DiskHashes hashDisks(HashDisksInput input);

  record StopInput(String itemId, String agentAddress) {}

  record Stopped(String itemId) {}

  /** Ends the item's replication role on one agent; disks and VMs stay. */
  Stopped stopReplication(StopInput input);

  // --- resync (R15) ---
  /** {@code compress}: the item's policy asks for zstd on the wire. */
  record ResyncDiskInput(
      String itemId, String sourceAgent, String targetAgent, String diskId, boolean compress) {}

  /** {@code coveredSeq}: delta replication resumes with the sequence after it. */
  record DiskResynced(
      String diskId,
      long totalBlocks,
      long differingBlocks,
      long differingBytes,
      long bytesSent,
      long coveredSeq) {}

  /**
   * Resynchronizes one disk with its replica by block hashes (R15), or seeds its initial copy from
   * an old replica (R11), sending only the blocks that differ. Resumes from the block the target
   * confirmed last; heartbeats with the next block as it goes.
   */
  DiskResynced resyncDisk(ResyncDiskInput input);

  /**
   * What the source agent says about the need for a resync: {@code required} with its {@code
   * reason} when a change log was lost or corrupt or an image was cut short; the unshipped log
   * bytes; the total size of the item's source disks and their ids, in the VM's order.
   */
  record ResyncStatus(
      boolean required,
      String reason,
      long pendingBytes,
      long diskBytes,
      List<String> sourceDiskIds) {}

  /** Asks the item's source agent whether delta replication can go on (R15). Read-only. */
  ResyncStatus resyncStatus(StateInput input);

  /**
   * The item's recovery-point policy for one agent: how long the target keeps points and how often
   * the source takes an app-consistent one (0 = never).
   */
  record RecoveryPolicyInput(
      String itemId, String agentAddress, long retentionMillis, long appConsistentEveryMillis) {}

  record RecoveryPolicyApplied(
      String itemId, long retentionMillis, long appConsistentEveryMillis) {}

  /** Sets the item's recovery-point policy on one agent ({@code SetRecoveryPolicy}). Idempotent. */
  RecoveryPolicyApplied setRecoveryPolicy(RecoveryPolicyInput input);

  // --- end resync (R15) ---
  // --- recovery points (R13/R17/R20) ---

  /**
   * Which recovery point of an item to rebuild at its target: {@code pointId} "rp-&lt;seq&gt;"
   * (empty for the newest, "latest-app-consistent" for the newest app-consistent one); {@code
   * inPlace} rolls the powered-off replica back to it (failover: newer points are discarded),
   * otherwise a new powered-off VM named {@code copyName} (empty for a default) holds it and the
   * replica is untouched (test failover).
   */
  record MaterializeInput(
      String itemId, String targetAgent, String pointId, boolean inPlace, String copyName) {}

  /** The point that was rebuilt, the VM whose disks now hold it and their SHA-256. */
  record MaterializedPoint(
      String pointId,
      long seq,
      long createdAtMillis,
      boolean appConsistent,
      String vmId,
      List<String> diskIds,
      List<String> sha256,
      int logsUndone) {}

  /**
   * Rebuilds a recovery point byte-exactly from the replica and its undo journal. Idempotent: an
   * in-place rollback cut short is redone, and a repeated in-place call for the same point finds
   * the replica already there. Heartbeats while the target works.
   */
  MaterializedPoint materializeRecoveryPoint(MaterializeInput input);

  // --- test failover (R27) ---

  /**
   * A test VM for an item at its target: {@code pointId} as in {@link MaterializeInput}, attached
   * only to {@code network}, an isolated network.
   */
  record TestVmInput(String itemId, String targetAgent, String pointId, String network) {}

  /** The powered-off test VM and the point its disks hold. */
  record TestVmCreated(String vmId, String pointId, long seq, long createdAtMillis) {}

  /**
   * Creates a test VM whose disks are copy-on-write overlays of the replica at a recovery point
   * (R27): nothing is copied, so it is quick whatever the disks' size, and replication into the
   * replica goes on. Each attempt makes a new VM; DeleteVm removes it.
   */
  TestVmCreated createTestVm(TestVmInput input);

  record AddressesInput(String agentAddress, String vmId, String staticIp, String publicIp) {}

  record AddressesSet(String vmId) {}

  /** R19: records the static and public address a failed-over VM is to have (null for none). */
  AddressesSet setVmAddresses(AddressesInput input);

  // --- lifecycle (R9-R16) ---

  record DeleteVmInput(String agentAddress, String vmId) {}

  record VmDeleted(String vmId) {}

  /** Powers a VM off and deletes it with its disks; a VM that is gone already is not an error. */
  VmDeleted deleteVm(DeleteVmInput input);

  record PrerequisitesInput(String itemId, String sourceAgent, String vmId, String targetAgent) {}

  record PrerequisitesMet(int disks, long diskBytes, long targetFreeBytes) {}

  /**
   * R10's checks before anything is created: both agents answer, the VM exists at the source with
   * readable disks, and the target has room for all of them. An unmet one fails non-retryable as
   * {@code PrerequisiteFailed}, in words that name it.
   */
  PrerequisitesMet checkPrerequisites(PrerequisitesInput input);

  record ReplicaNetworksInput(
      String sourceAgent,
      String vmId,
      String targetAgent,
      String replicaVmId,
      Map<String, String> networkMapping) {}

  record ReplicaNetworks(List<String> networks) {}

  /**
   * R12: checks that the replica is attached to the pairing's mapped networks (a source network
   * without a mapping keeps its name) and answers them; a mismatch fails non-retryable as {@code
   * ReplicaInvalidState}.
   */
  ReplicaNetworks verifyReplicaNetworks(ReplicaNetworksInput input);

  // --- reverse replication (R25) ---
  /** {@code seedVmId}: the existing VM at the target that becomes the replica. */
  record SeededReplicaInput(
      String itemId, String sourceAgent, String vmId, String targetAgent, String seedVmId) {}

  /**
   * Reverse replication (R25): reads the source VM's shape and makes the existing, powered-off VM
   * {@code seedVmId} at the target its replica (PrepareReplica with a seed), so that a resync sends
   * only the blocks that differ. Idempotent for the same seed.
   */
  ReplicaPrepared prepareSeededReplica(SeededReplicaInput input);

  // --- end reverse replication (R25) ---
}
