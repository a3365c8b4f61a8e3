package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.CopyDiskInput;
import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.DiskHashes;
import dev.haven.workflows.activities.AgentActivities.DiskPair;
import dev.haven.workflows.activities.AgentActivities.HashDisksInput;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.PrepareReplicaInput;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.AgentActivities.ResyncDiskInput;
import dev.haven.workflows.activities.AgentActivities.SeededReplicaInput;
import dev.haven.workflows.activities.AgentActivities.StartReplicationInput;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.model.ErrorType;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * R21: the planned failover back from a cloud site, once the item's failover there was committed.
 * The cloud VM shuts down first, so that nothing it wrote is lost; then its disks travel home
 * between the two agents as a replication of their own (item id {@code <item>-failback}): to the
 * original VM by a checksum resync, which sends only the blocks that differ, or to a new VM on the
 * alternate host by a full copy. The disks are compared by SHA-256 before the VM at home starts.
 * Every failure before that rolls back: the cloud VM runs again, a half-made new VM goes.
 */
final class CloudFailbackSaga {
  static final String POWER_OFF_CLOUD_VM = "power-off-cloud-vm";
  static final String STOP_OLD_REPLICATION = "stop-old-replication";
  static final String POWER_OFF_ORIGINAL = "power-off-original-vm";
  static final String PREPARE_ORIGINAL = "prepare-original-vm";
  static final String PREPARE_ALTERNATE = "prepare-alternate-vm";
  static final String START_FAILBACK_REPLICATION = "start-failback-replication";
  static final String RESYNC_DISKS = "resync-disks";
  static final String COPY_DISKS = "copy-disks";
  static final String VERIFY = "verify-disks";
  static final String STOP_FAILBACK_REPLICATION = "stop-failback-replication";
  static final String POWER_ON_HOME_VM = "power-on-vm";

  private static final Logger log = Workflow.getLogger(CloudFailbackSaga.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;

  CloudFailbackSaga(ProtectionState state, ProtectionActivities activities, JobRecorder rec) {
    this.s = state;
    this.a = activities;
    this.rec = rec;
  }

  /** The id under which the agents know the failback's own replication, cloud VM to home. */
  String failbackItemId() {
    return s.itemId() + "-failback";
  }

  /**
   * Runs the failback that {@code request} asks for. On success the VM at home runs, the item is
   * failed over there and {@link ProtectionState#failedOver} names that VM; the answer is the home
   * host. Null when it was rolled back (the item stays committed in the cloud, the error recorded).
   */
  HostRef run(FailoverRequest request, String cloudVmId) {
    String jobId = request.jobId();
    boolean original = request.alternateHost() == null;
    HostRef home = original ? s.input.source() : request.alternateHost();
    HostRef cloud = s.input.target();
    s.state = ItemState.FAILOVER_IN_PROGRESS;
    rec.item(s);
    rec.jobState(jobId, RUNNING, null);
    Saga saga = new Saga(new Saga.Options.Builder().setContinueWithError(true).build());
    String step = POWER_OFF_CLOUD_VM;
    String[] homeVmId = new String[1];
    long synced = 0;
    try {
      saga.addCompensation(
          () -> a.agent.setPower(new PowerInput(cloud.agentAddress(), cloudVmId, true)));
      rec.step(
          jobId,
          step,
          () -> a.agent.setPower(new PowerInput(cloud.agentAddress(), cloudVmId, false)));
      if (original) {
        // After an unplanned failover the original may have come back running, still tracked
        // for the cloud: it must be off and untracked before its disks are overwritten.
        step = STOP_OLD_REPLICATION;
        rec.step(
            jobId,
            step,
            () -> a.agent.stopReplication(new StopInput(s.itemId(), home.agentAddress())));
        step = POWER_OFF_ORIGINAL;
        rec.step(
            jobId,
            step,
            () -> a.agent.setPower(new PowerInput(home.agentAddress(), s.input.vmId(), false)));
      }
      step = original ? PREPARE_ORIGINAL : PREPARE_ALTERNATE;
      saga.addCompensation(() -> stopFailbackRoles(cloud, home));
      saga.addCompensation(
          () -> {
            if (!original && homeVmId[0] != null) {
              a.agent.deleteVm(new DeleteVmInput(home.agentAddress(), homeVmId[0]));
            }
          });
      ReplicaPrepared prepared =
          rec.step(jobId, step, () -> prepare(cloud, home, cloudVmId, original));
      homeVmId[0] = prepared.replicaVmId();
      step = START_FAILBACK_REPLICATION;
      rec.step(
          jobId,
          step,
          () ->
              a.agent.startReplication(
                  new StartReplicationInput(
                      failbackItemId(),
                      cloud.agentAddress(),
                      cloudVmId,
                      home.agentAddress(),
                      prepared.replicaVmId(),
                      prepared.disks())));
      step = original ? RESYNC_DISKS : COPY_DISKS;
      synced = rec.step(jobId, step, () -> sync(cloud, home, prepared, original));
      step = VERIFY;
      rec.step(jobId, step, () -> verify(cloud, cloudVmId, home, prepared.replicaVmId()));
      step = STOP_FAILBACK_REPLICATION;
      rec.step(
          jobId,
          step,
          () -> {
            stopFailbackRoles(cloud, home);
            return null;
          });
      step = FailoverAddresses.SET_ADDRESSES;
      FailoverAddresses.apply(rec, a, jobId, home.agentAddress(), homeVmId[0], request);
      step = POWER_ON_HOME_VM;
      rec.step(
          jobId,
          step,
          () -> a.agent.setPower(new PowerInput(home.agentAddress(), homeVmId[0], true)));
    } catch (ActivityFailure | ApplicationFailure e) {
      rollBack(jobId, step, Failures.describe(e), saga);
      return null;
    }
    s.failedOver = new FailedOver(request.type(), jobId, homeVmId[0], "latest", 0L);
    s.failedOver.request = request;
    s.failedOver.syncedBytes = synced;
    s.state = ItemState.FAILED_OVER;
    s.activeSiteId = home.siteId();
    s.healthy();
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
    return home;
  }

  /** The original VM as the seed of a resync, or a new VM of the cloud VM's shape. */
  private ReplicaPrepared prepare(HostRef cloud, HostRef home, String cloudVmId, boolean original) {
    if (original) {
      return a.agent.prepareSeededReplica(
          new SeededReplicaInput(
              failbackItemId(),
              cloud.agentAddress(),
              cloudVmId,
              home.agentAddress(),
              s.input.vmId()));
    }
    Map<String, String> inverse = new LinkedHashMap<>();
    if (s.input.networkMapping() != null) {
      s.input.networkMapping().forEach((from, to) -> inverse.putIfAbsent(to, from));
    }
    return a.agent.prepareReplica(
        new PrepareReplicaInput(
            failbackItemId(), cloud.agentAddress(), cloudVmId, home.agentAddress(), inverse));
  }

  /** Every disk, one after the other; answers the bytes that travelled. */
  private long sync(HostRef cloud, HostRef home, ReplicaPrepared prepared, boolean original) {
    long bytes = 0;
    for (DiskPair disk : prepared.disks()) {
      bytes +=
          original
              ? a.copier
                  .resyncDisk(
                      new ResyncDiskInput(
                          failbackItemId(),
                          cloud.agentAddress(),
                          home.agentAddress(),
                          disk.sourceDiskId(),
                          false))
                  .bytesSent()
              : a.copier
                  .copyDisk(
                      new CopyDiskInput(
                          failbackItemId(),
                          cloud.agentAddress(),
                          home.agentAddress(),
                          disk.sourceDiskId()))
                  .bytesSent();
    }
    return bytes;
  }

  /** The VM at home holds, disk by disk, exactly what the cloud VM held when it stopped. */
  private DiskHashes verify(HostRef cloud, String cloudVmId, HostRef home, String homeVmId) {
    DiskHashes inCloud = a.hasher.hashDisks(new HashDisksInput(cloud.agentAddress(), cloudVmId));
    DiskHashes atHome = a.hasher.hashDisks(new HashDisksInput(home.agentAddress(), homeVmId));
    String mismatch = ReplicaComparison.mismatch(inCloud, atHome);
    if (mismatch != null) {
      throw ApplicationFailure.newNonRetryableFailure(
          mismatch, ErrorType.REPLICA_MISMATCH.typeName());
    }
    return atHome;
  }

  private void stopFailbackRoles(HostRef cloud, HostRef home) {
    a.agent.stopReplication(new StopInput(failbackItemId(), cloud.agentAddress()));
    a.agent.stopReplication(new StopInput(failbackItemId(), home.agentAddress()));
  }

  private void rollBack(String jobId, String step, String error, Saga saga) {
    String undo = Failures.compensate(saga);
    String message =
        "failback stopped at step "
            + step
            + ": "
            + error
            + (undo == null
                ? ". The cloud VM was powered on again and the item stays failed over to the"
                    + " cloud; fix the cause and ask for the failback again."
                : ". Undoing it failed too (" + undo + "): check that the cloud VM runs.");
    Health health = undo == null ? Health.WARNING : Health.CRITICAL;
    log.warn("item {}: {}", s.itemId(), message);
    s.state = ItemState.COMMITTED;
    s.failed(message, health);
    rec.item(s);
    rec.jobState(jobId, FAILED, message);
  }
}
