package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.CommitSteps.CANCEL;
import static dev.haven.workflows.protection.CommitSteps.DELETE_FAILOVER_VM;
import static dev.haven.workflows.protection.CommitSteps.POWER_OFF_REPLICA;
import static dev.haven.workflows.protection.CommitSteps.POWER_ON_SOURCE;
import static dev.haven.workflows.protection.CommitSteps.RESTORE_REPLICATION;
import static dev.haven.workflows.protection.CommitSteps.RESYNC;
import static dev.haven.workflows.protection.CommitSteps.SHIP_CHANGES;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;

/** The operator's cancel after a failover (R20), one of {@link CommitSteps}' decisions. */
final class CancelFailoverSteps {
  /** Step and version marker: a cancel that restarts replication forgets the old points. */
  static final String FORGET_POINTS = "forget-recovery-points";

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;
  private final ReplicationSteps replication;

  CancelFailoverSteps(
      ProtectionState state,
      ProtectionActivities activities,
      JobRecorder recorder,
      ReplicationSteps replication) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
    this.replication = replication;
  }

  /**
   * R20: the VM at the target is powered off and protection resumes in the original direction.
   * After an unplanned failover the replica was never touched, so the copy goes and the delta
   * cycles continue. After a planned one the replica ran (and may have been written), while the
   * source still holds exactly what it held at the failover: replication is set up again, a resync
   * sends the source's blocks that differ, and the source VM starts again.
   */
  boolean cancel(String jobId) {
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
        forgetPoints(jobId);
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
        ReplicaPrepared prepared = rec.step(jobId, RESTORE_REPLICATION, replication::reestablish);
        forgetPoints(jobId);
        rec.step(jobId, RESYNC, () -> replication.resyncDisks(prepared));
        rec.step(
            jobId,
            POWER_ON_SOURCE,
            () -> a.agent.setPower(new PowerInput(source.agentAddress(), s.input.vmId(), true)));
        rec.step(jobId, SHIP_CHANGES, replication::shipAndRecord);
      }
    } catch (ActivityFailure | ApplicationFailure e) {
      AfterFailoverFailure.record(s, rec, jobId, true, CANCEL, e);
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

  /** {@link ReplicationSteps#forgetPoints()} as a step; histories from before keep the points. */
  private void forgetPoints(String jobId) {
    if (Workflow.getVersion(FORGET_POINTS, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      return;
    }
    rec.step(jobId, FORGET_POINTS, replication::forgetPoints);
  }
}
