package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.DiskPair;
import dev.haven.workflows.activities.AgentActivities.DiskResynced;
import dev.haven.workflows.activities.AgentActivities.MaterializedPoint;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.PrepareReplicaInput;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.AgentActivities.ResyncDiskInput;
import dev.haven.workflows.activities.AgentActivities.StartReplicationInput;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * The operator's decisions after a failover (R20, R24): the item stays failed over, its workload
 * running at the target, until a commit makes that for good, a cancel goes back to protection, or a
 * change of recovery point rebuilds the running VM at another point. An optional timer commits by
 * itself. Each decision is a job whose steps are recorded; a failed step leaves the item failed
 * over as it was, with the error on the job and the item.
 */
final class CommitSteps {
  static final String WAIT_FOR_OPERATOR = "failover-waits-for-operator";
  static final String COMMIT = "commit";
  static final String CANCEL = "cancel";
  static final String CHANGE_POINT = "change-recovery-point";

  static final String STOP_REPLICATION = PlannedFailoverSaga.STOP_REPLICATION;
  static final String DISCARD_OTHER_POINTS = "discard-other-points";
  static final String AUTO_COMMIT = "auto-commit";
  static final String DELETE_FAILOVER_VM = "delete-failover-vm";
  static final String POWER_OFF_REPLICA = "power-off-replica";
  static final String POWER_OFF_PREVIOUS = "power-off-previous-vm";
  static final String RESTORE_REPLICATION = "restore-replication";
  static final String RESYNC = "resync-disks";
  static final String POWER_ON_SOURCE = "power-on-source";
  static final String SHIP_CHANGES = "ship-changes";

  private static final Logger log = Workflow.getLogger(CommitSteps.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;
  private final ReplicationSteps replication;
  private final UnplannedFailoverSaga unplanned;

  CommitSteps(
      ProtectionState state,
      ProtectionActivities activities,
      JobRecorder recorder,
      ReplicationSteps replication,
      UnplannedFailoverSaga unplanned) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
    this.replication = replication;
    this.unplanned = unplanned;
  }

  /**
   * After {@code request}'s failover succeeded: waits for the operator's decisions and runs them.
   * True when the workflow ends (committed), false when protection resumes (cancelled).
   */
  boolean awaitDecision(FailoverRequest request) {
    Integer seconds = request.autoCommitSeconds();
    if (seconds != null && seconds > 0) {
      s.failedOver.autoCommitAtMillis = Workflow.currentTimeMillis() + seconds * 1000L;
    }
    while (true) {
      if (!awaitRequest()) {
        log.info("item {}: the commit timer ran out; committing", s.itemId());
        if (commit(s.failedOver.jobId, true)) {
          return true;
        }
        // A failed auto-commit waits for the operator from now on.
        s.failedOver.autoCommitAtMillis = null;
        continue;
      }
      AfterFailoverRequest r = s.pendingAfter;
      String kind = s.pendingAfterKind;
      boolean done =
          switch (kind) {
            case COMMIT -> commit(r.jobId(), false);
            case CANCEL -> cancel(r.jobId());
            default -> changePoint(r);
          };
      s.pendingAfter = null;
      s.pendingAfterKind = null;
      if (done && kind.equals(COMMIT)) {
        return true;
      }
      if (done && kind.equals(CANCEL)) {
        return false;
      }
    }
  }

  /** Waits for a decision; false when the commit timer ran out first. */
  private boolean awaitRequest() {
    Long at = s.failedOver.autoCommitAtMillis;
    if (at == null) {
      Workflow.await(() -> s.pendingAfter != null);
      return true;
    }
    long left = Math.max(0, at - Workflow.currentTimeMillis());
    return Workflow.await(Duration.ofMillis(left), () -> s.pendingAfter != null);
  }

  /**
   * R24: the workload stays at the target for good. After an unplanned failover replication into
   * the old replica stops and that replica goes with every other point; the running copy becomes
   * the item's VM at the target. An automatic commit records its steps on the failover's job.
   */
  private boolean commit(String jobId, boolean automatic) {
    FailedOver f = s.failedOver;
    HostRef target = s.input.target();
    if (!automatic) {
      rec.jobState(jobId, RUNNING, null);
    }
    try {
      if (automatic) {
        rec.step(jobId, AUTO_COMMIT, () -> f.autoCommitAtMillis);
      }
      if (!f.planned() && s.cloudStorage != null) {
        // Issue 8: a cloud site holds no replica VM; the VM built at failover is the item's VM.
        s.replicaVmId = f.vmId;
      } else if (!f.planned()) {
        rec.step(
            jobId,
            STOP_REPLICATION,
            () -> a.agent.stopReplication(new StopInput(s.itemId(), target.agentAddress())));
        if (!f.vmId.equals(s.replicaVmId)) {
          rec.step(
              jobId,
              DISCARD_OTHER_POINTS,
              () -> a.agent.deleteVm(new DeleteVmInput(target.agentAddress(), s.replicaVmId)));
          s.replicaVmId = f.vmId;
        }
      }
    } catch (ActivityFailure | ApplicationFailure e) {
      failed(jobId, !automatic, COMMIT, e);
      return false;
    }
    // R23: a committed planned failover goes on protected in the reverse direction. Histories
    // from before end the workflow as committed.
    // Issue 8: after a planned failover to a cloud site the workflow ends as committed; failback
    // (reverse replication from the cloud VM) is not wired into the workflow yet.
    if (f.planned()
        && s.cloudStorage == null
        && Workflow.getVersion(ReverseDirection.AFTER_PLANNED_COMMIT, Workflow.DEFAULT_VERSION, 1)
            == 1) {
      ReverseDirection.continueAfterPlannedCommit(s, jobId);
    }
    s.state = ItemState.COMMITTED;
    s.healthy();
    rec.item(s);
    if (!automatic) {
      rec.jobState(jobId, SUCCEEDED, null);
    }
    return true;
  }

  /**
   * R20: the VM at the target is powered off and protection resumes in the original direction.
   * After an unplanned failover the replica was never touched, so the copy goes and the delta
   * cycles continue. After a planned one the replica ran (and may have been written), while the
   * source still holds exactly what it held at the failover: replication is set up again, a resync
   * sends the source's blocks that differ, and the source VM starts again.
   */
  private boolean cancel(String jobId) {
    FailedOver f = s.failedOver;
    HostRef source = s.input.source();
    HostRef target = s.input.target();
    rec.jobState(jobId, RUNNING, null);
    try {
      if (!f.planned()) {
        rec.step(
            jobId,
            DELETE_FAILOVER_VM,
            () -> a.agent.deleteVm(new DeleteVmInput(target.agentAddress(), f.vmId)));
      } else if (s.cloudStorage != null) {
        // Issue 8: the source holds what it held at the failover; the cloud VM goes, and
        // replication to the store starts again (chunks already stored are not sent again).
        rec.step(
            jobId,
            DELETE_FAILOVER_VM,
            () -> a.agent.deleteVm(new DeleteVmInput(target.agentAddress(), f.vmId)));
        s.replicaVmId = null;
        rec.step(jobId, RESTORE_REPLICATION, replication::restartCloud);
        rec.step(
            jobId,
            POWER_ON_SOURCE,
            () -> a.agent.setPower(new PowerInput(source.agentAddress(), s.input.vmId(), true)));
        rec.step(jobId, SHIP_CHANGES, replication::shipAndRecord);
      } else {
        rec.step(
            jobId,
            POWER_OFF_REPLICA,
            () -> a.agent.setPower(new PowerInput(target.agentAddress(), s.replicaVmId, false)));
        ReplicaPrepared prepared = rec.step(jobId, RESTORE_REPLICATION, this::restoreReplication);
        rec.step(jobId, RESYNC, () -> resync(prepared));
        rec.step(
            jobId,
            POWER_ON_SOURCE,
            () -> a.agent.setPower(new PowerInput(source.agentAddress(), s.input.vmId(), true)));
        rec.step(jobId, SHIP_CHANGES, replication::shipAndRecord);
      }
    } catch (ActivityFailure | ApplicationFailure e) {
      failed(jobId, true, CANCEL, e);
      return false;
    }
    s.failedOver = null;
    s.state = ItemState.PROTECTED;
    s.activeSiteId = source.siteId();
    s.healthy();
    s.schedule.succeeded(Workflow.currentTimeMillis());
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
    return true;
  }

  private ReplicaPrepared restoreReplication() {
    ReplicaPrepared prepared =
        a.agent.prepareReplica(
            new PrepareReplicaInput(
                s.itemId(),
                s.input.source().agentAddress(),
                s.input.vmId(),
                s.input.target().agentAddress(),
                s.input.networkMapping()));
    a.agent.startReplication(
        new StartReplicationInput(
            s.itemId(),
            s.input.source().agentAddress(),
            s.input.vmId(),
            s.input.target().agentAddress(),
            prepared.replicaVmId(),
            prepared.disks()));
    return prepared;
  }

  /** Only the blocks that differ travel: the replica is the seed (R15). */
  private List<DiskResynced> resync(ReplicaPrepared prepared) {
    List<DiskResynced> out = new ArrayList<>();
    for (DiskPair disk : prepared.disks()) {
      out.add(
          a.copier.resyncDisk(
              new ResyncDiskInput(
                  s.itemId(),
                  s.input.source().agentAddress(),
                  s.input.target().agentAddress(),
                  disk.sourceDiskId(),
                  false)));
    }
    return out;
  }

  /**
   * R20: the running VM is rebuilt at another point. The new copy is built and the old one powered
   * off before the new one starts, so that a failure on the way powers the old one on again and the
   * item runs as before; the old copy is deleted last.
   */
  private boolean changePoint(AfterFailoverRequest r) {
    FailedOver f = s.failedOver;
    String jobId = r.jobId();
    HostRef target = s.input.target();
    String previous = f.vmId;
    rec.jobState(jobId, RUNNING, null);
    Saga saga = new Saga(new Saga.Options.Builder().setContinueWithError(true).build());
    MaterializedPoint point;
    try {
      saga.addCompensation(
          () -> a.agent.setPower(new PowerInput(target.agentAddress(), previous, true)));
      rec.step(
          jobId,
          POWER_OFF_PREVIOUS,
          () -> a.agent.setPower(new PowerInput(target.agentAddress(), previous, false)));
      point = unplanned.startAt(jobId, r.recoveryPoint(), f.request, saga);
    } catch (ActivityFailure | ApplicationFailure e) {
      try {
        saga.compensate();
      } catch (Saga.CompensationException | ActivityFailure c) {
        log.warn("item {}: undoing the change of point failed too: {}", s.itemId(), c);
      }
      failed(jobId, true, CHANGE_POINT, e);
      return false;
    }
    f.vmId = point.vmId();
    f.pointId = point.pointId();
    f.pointSeq = point.seq();
    try {
      rec.step(
          jobId,
          DELETE_FAILOVER_VM,
          () -> a.agent.deleteVm(new DeleteVmInput(target.agentAddress(), previous)));
    } catch (ActivityFailure | ApplicationFailure e) {
      // The new point runs; the old copy is only left over, which the job says.
      s.failed(
          "the copy at the previous point was not deleted: " + Failures.describe(e),
          Health.WARNING);
    }
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
    return true;
  }

  private void failed(String jobId, boolean recordJob, String kind, RuntimeException e) {
    String message =
        kind
            + " failed: "
            + Failures.describe(e)
            + ". The item stays failed over with "
            + s.failedOver.vmId
            + " running; fix the cause and ask again.";
    log.warn("item {}: {}", s.itemId(), message);
    s.failed(message, Health.WARNING);
    rec.item(s);
    if (recordJob) {
      rec.jobState(jobId, FAILED, message);
    }
  }
}
