package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.CommitSteps.CHANGE_POINT;
import static dev.haven.workflows.protection.CommitSteps.DELETE_FAILOVER_VM;
import static dev.haven.workflows.protection.CommitSteps.POWER_OFF_PREVIOUS;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.MaterializedPoint;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.HostRef;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * The operator's change of recovery point after a failover (R20), one of {@link CommitSteps}'
 * decisions.
 */
final class ChangePointSteps {
  private static final Logger log = Workflow.getLogger(ChangePointSteps.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;
  private final UnplannedFailoverSaga unplanned;

  ChangePointSteps(
      ProtectionState state,
      ProtectionActivities activities,
      JobRecorder recorder,
      UnplannedFailoverSaga unplanned) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
    this.unplanned = unplanned;
  }

  /**
   * R20: the running VM is rebuilt at another point. The new copy is built and the old one powered
   * off before the new one starts, so that a failure on the way powers the old one on again and the
   * item runs as before; the old copy is deleted last.
   */
  boolean changePoint(AfterFailoverRequest r) {
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
      String undo = Failures.compensate(saga);
      if (undo != null) {
        log.warn("item {}: undoing the change of point failed too: {}", s.itemId(), undo);
      }
      AfterFailoverFailure.record(s, rec, jobId, true, CHANGE_POINT, e);
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
}
