package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
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
  private final CancelFailoverSteps cancelling;
  private final ChangePointSteps changingPoint;

  CommitSteps(
      ProtectionState state,
      ProtectionActivities activities,
      JobRecorder recorder,
      ReplicationSteps replication,
      UnplannedFailoverSaga unplanned) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
    this.cancelling = new CancelFailoverSteps(state, activities, recorder, replication);
    this.changingPoint = new ChangePointSteps(state, activities, recorder, unplanned);
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
      if (!awaitRequest(s)) {
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
            case CANCEL -> cancelling.cancel(r.jobId());
            default -> changingPoint.changePoint(r);
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

  /**
   * Waits for the operator's decision on {@code s}'s failover; false when the commit timer ran out
   * first.
   */
  static boolean awaitRequest(ProtectionState s) {
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
    if (!f.planned()) {
      // The old source was left as it was; when its host comes back it must not run it again.
      FenceStarter.start(s, a, rec, jobId);
    }
    s.state = ItemState.COMMITTED;
    s.healthy();
    rec.item(s);
    if (!automatic) {
      rec.jobState(jobId, SUCCEEDED, null);
    }
    return true;
  }

  private void failed(String jobId, boolean recordJob, String kind, RuntimeException e) {
    AfterFailoverFailure.record(s, rec, jobId, recordJob, kind, e);
  }
}
