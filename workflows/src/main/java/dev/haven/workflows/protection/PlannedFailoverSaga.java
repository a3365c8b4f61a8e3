package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.CycleResult;
import dev.haven.workflows.activities.AgentActivities.DiskHashes;
import dev.haven.workflows.activities.AgentActivities.HashDisksInput;
import dev.haven.workflows.activities.AgentActivities.MaterializedPoint;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.model.ErrorType;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * A planned failover (R17) as a saga: shut the source down, ship its last changes, prove that the
 * replica equals the source, stop replication and power the replica on. Each compensation is
 * registered before the step it undoes, so a failure before the replica runs leaves the source
 * running and protected as it was. Its steps are recorded on the {@code planned-failover} job that
 * the API made when it sent the Update.
 */
final class PlannedFailoverSaga {
  static final String SHUT_DOWN_SOURCE = "shut-down-source";
  static final String SHIP_LAST_CHANGES = "ship-last-changes";
  static final String VERIFY_REPLICA = "verify-replica";
  static final String STOP_REPLICATION = "stop-replication";
  static final String POWER_ON_REPLICA = "power-on-replica";

  private static final Logger log = Workflow.getLogger(PlannedFailoverSaga.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;
  private final ReplicationSteps replication;

  PlannedFailoverSaga(
      ProtectionState state,
      ProtectionActivities activities,
      JobRecorder recorder,
      ReplicationSteps replication) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
    this.replication = replication;
  }

  /** Runs the failover; true when the replica runs, false when it was rolled back. */
  boolean run(FailoverRequest request) {
    if (s.cloudStorage != null) {
      return runToCloud(request);
    }
    String jobId = request.jobId();
    HostRef source = s.input.source();
    HostRef target = s.input.target();
    Saga saga = begin(jobId);
    String step = SHUT_DOWN_SOURCE;
    try {
      shutDownSource(jobId, saga);
      step = SHIP_LAST_CHANGES;
      rec.step(jobId, step, this::shipLastChanges);
      step = VERIFY_REPLICA;
      rec.step(jobId, step, this::verifyReplica);
      saga.addCompensation(this::restoreReplication);
      step = STOP_REPLICATION;
      rec.step(
          jobId,
          step,
          () -> {
            a.agent.stopReplication(new StopInput(s.itemId(), source.agentAddress()));
            return a.agent.stopReplication(new StopInput(s.itemId(), target.agentAddress()));
          });
      step = FailoverAddresses.SET_ADDRESSES;
      FailoverAddresses.apply(rec, a, jobId, target.agentAddress(), s.replicaVmId, request);
      step = POWER_ON_REPLICA;
      rec.step(
          jobId,
          step,
          () -> a.agent.setPower(new PowerInput(target.agentAddress(), s.replicaVmId, true)));
    } catch (ActivityFailure | ApplicationFailure e) {
      rollBack(jobId, step, Failures.describe(e), saga);
      return false;
    }
    // The replica runs and holds every last write; the decisions after a failover open with the
    // state, in the same workflow task, so no Update sees one without the other.
    s.failedOver = new FailedOver(request.type(), jobId, s.replicaVmId, "latest", 0L);
    succeeded(jobId);
    return true;
  }

  /** Version marker: a rollback after replication stopped resyncs the replica (see below). */
  static final String RESYNC_ON_ROLLBACK = "planned-rollback-resync";

  static final String MATERIALIZE_IN_CLOUD = "materialize-in-cloud";
  static final String STOP_SOURCE_REPLICATION = "stop-source-replication";

  /**
   * Issue 8: a planned failover to a cloud site. The source shuts down and one last cycle uploads
   * every last write; the cloud host then builds the VM at that newest point, its disks are checked
   * against the source's by SHA-256, and it starts with the asked-for addresses. Tracking at the
   * source stops last, so every earlier failure rolls back to protection as it was: the built VM is
   * deleted and the source VM powered on again.
   */
  private boolean runToCloud(FailoverRequest request) {
    String jobId = request.jobId();
    HostRef source = s.input.source();
    HostRef target = s.input.target();
    String vmId = s.input.vmId();
    Saga saga = begin(jobId);
    String step = SHUT_DOWN_SOURCE;
    String[] built = new String[1];
    try {
      shutDownSource(jobId, saga);
      step = SHIP_LAST_CHANGES;
      rec.step(jobId, step, this::shipLastChanges);
      step = MATERIALIZE_IN_CLOUD;
      saga.addCompensation(
          () -> {
            if (built[0] != null) {
              a.agent.deleteVm(
                  new dev.haven.workflows.activities.AgentActivities.DeleteVmInput(
                      target.agentAddress(), built[0]));
            }
          });
      MaterializedPoint point =
          rec.step(
              jobId,
              step,
              () ->
                  a.hasher.materializeCloudPoint(
                      new UnplannedFailoverSaga(s, a, rec).cloudInput("")));
      built[0] = point.vmId();
      step = VERIFY_REPLICA;
      rec.step(
          jobId,
          step,
          () -> {
            DiskHashes at = a.hasher.hashDisks(new HashDisksInput(source.agentAddress(), vmId));
            String mismatch =
                ReplicaComparison.mismatch(at, new DiskHashes(point.sha256(), point.diskIds()));
            if (mismatch != null) {
              throw ApplicationFailure.newNonRetryableFailure(
                  mismatch, ErrorType.REPLICA_MISMATCH.typeName());
            }
            return at;
          });
      step = FailoverAddresses.SET_ADDRESSES;
      FailoverAddresses.apply(rec, a, jobId, target.agentAddress(), built[0], request);
      step = POWER_ON_REPLICA;
      rec.step(
          jobId,
          step,
          () -> a.agent.setPower(new PowerInput(target.agentAddress(), built[0], true)));
      step = STOP_SOURCE_REPLICATION;
      rec.step(
          jobId,
          step,
          () -> a.agent.stopReplication(new StopInput(s.itemId(), source.agentAddress())));
      s.replicaVmId = built[0];
      s.failedOver = new FailedOver(request.type(), jobId, built[0], point.pointId(), point.seq());
    } catch (ActivityFailure | ApplicationFailure e) {
      rollBack(jobId, step, Failures.describe(e), saga);
      return false;
    }
    succeeded(jobId);
    return true;
  }

  /**
   * The rollback once replication was stopped for the failover: it starts afresh, and since the
   * replica was verified level with the source (which stayed off), a resync seeded by it finds
   * nothing to send but makes the target's copy whole again, without which the next cycle was
   * refused; the old points go as after a cancel. Histories from before only set it up again.
   */
  private void restoreReplication() {
    ReplicaPrepared prepared = replication.reestablish();
    if (Workflow.getVersion(RESYNC_ON_ROLLBACK, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      return;
    }
    replication.resyncDisks(prepared);
    replication.forgetPoints();
  }

  /** Both directions of a planned failover open alike: the item and the job say it runs. */
  private Saga begin(String jobId) {
    s.state = ItemState.FAILOVER_IN_PROGRESS;
    rec.item(s);
    rec.jobState(jobId, RUNNING, null);
    return new Saga(new Saga.Options.Builder().setContinueWithError(true).build());
  }

  /** The first step of both: the source VM shuts down, and a rollback powers it on again. */
  private void shutDownSource(String jobId, Saga saga) {
    String source = s.input.source().agentAddress();
    String vmId = s.input.vmId();
    saga.addCompensation(() -> a.agent.setPower(new PowerInput(source, vmId, true)));
    rec.step(jobId, SHUT_DOWN_SOURCE, () -> a.agent.setPower(new PowerInput(source, vmId, false)));
  }

  /** The replica runs at the target: the item is failed over there and the job succeeded. */
  private void succeeded(String jobId) {
    s.state = ItemState.FAILED_OVER;
    s.activeSiteId = s.input.target().siteId();
    s.healthy();
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
  }

  private void rollBack(String jobId, String step, String error, Saga saga) {
    String undo = Failures.compensate(saga);
    String message =
        "planned failover stopped at step "
            + step
            + ": "
            + error
            + (undo == null
                ? ". The source VM was powered on again and protection continues;"
                    + " fix the cause and ask for the failover again."
                : ". Undoing it failed too ("
                    + undo
                    + "): check that the source VM runs and that replication is active.");
    Health health = undo == null ? Health.WARNING : Health.CRITICAL;
    log.warn("item {}: {}", s.itemId(), message);
    s.state = ItemState.PROTECTED;
    s.failed(message, health);
    rec.item(s);
    rec.jobState(jobId, FAILED, message);
  }

  /** With the source off, one more cycle carries every last write to the target. */
  private CycleResult shipLastChanges() {
    CycleResult r = replication.shipAndRecord(a.lastCycler);
    if (r.ackedSeq() < r.sealedSeq()) {
      throw ApplicationFailure.newFailure(
          "the source sealed its change logs up to sequence "
              + r.sealedSeq()
              + " but the target applied only up to "
              + r.ackedSeq()
              + "; the last changes did not all arrive",
          ErrorType.NETWORK_ERROR.typeName());
    }
    return r;
  }

  /** Hashes both VMs' disks in parallel; every disk must be equal, byte for byte. */
  private DiskHashes verifyReplica() {
    HostRef source = s.input.source();
    HostRef target = s.input.target();
    Promise<DiskHashes> sourceHashes =
        Async.function(
            a.hasher::hashDisks, new HashDisksInput(source.agentAddress(), s.input.vmId()));
    Promise<DiskHashes> replicaHashes =
        Async.function(
            a.hasher::hashDisks, new HashDisksInput(target.agentAddress(), s.replicaVmId));
    String mismatch = ReplicaComparison.mismatch(sourceHashes.get(), replicaHashes.get());
    if (mismatch != null) {
      throw ApplicationFailure.newNonRetryableFailure(
          mismatch, ErrorType.REPLICA_MISMATCH.typeName());
    }
    return replicaHashes.get();
  }
}
