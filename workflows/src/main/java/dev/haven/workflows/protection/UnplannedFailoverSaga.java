package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.MaterializeInput;
import dev.haven.workflows.activities.AgentActivities.MaterializedPoint;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * An unplanned failover (R17) as a saga: the source site is gone, so nothing is asked of it. The
 * target rebuilds the chosen recovery point as a new VM from the replica and its undo journals, and
 * powers it on. The replica itself, with every recovery point, stays as it was and keeps its
 * replication role, so that the operator can still change the point or cancel (R20) until a commit
 * discards the rest (R24). Each compensation is registered before its step: a failure deletes the
 * copy and leaves the item as it was.
 */
final class UnplannedFailoverSaga {
  static final String MATERIALIZE_POINT = "materialize-recovery-point";
  static final String POWER_ON_REPLICA = PlannedFailoverSaga.POWER_ON_REPLICA;

  private static final Logger log = Workflow.getLogger(UnplannedFailoverSaga.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;

  UnplannedFailoverSaga(ProtectionState state, ProtectionActivities activities, JobRecorder rec) {
    this.s = state;
    this.a = activities;
    this.rec = rec;
  }

  /** Runs the failover; true when the copy at the point runs, false when it was rolled back. */
  boolean run(FailoverRequest request) {
    String jobId = request.jobId();
    ItemState before = s.state;
    s.state = ItemState.FAILOVER_IN_PROGRESS;
    rec.item(s);
    rec.jobState(jobId, RUNNING, null);
    Saga saga = new Saga(new Saga.Options.Builder().setContinueWithError(true).build());
    try {
      MaterializedPoint point = startAt(jobId, request.recoveryPoint(), request, saga);
      s.failedOver =
          new FailedOver(request.type(), jobId, point.vmId(), point.pointId(), point.seq());
      s.failedOver.request = request;
    } catch (ActivityFailure | ApplicationFailure e) {
      rollBack(jobId, before, Failures.describe(e), saga);
      return false;
    }
    s.state = ItemState.FAILED_OVER;
    s.activeSiteId = s.input.target().siteId();
    s.healthy();
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
    log.info("item {} failed over to {}", s.itemId(), s.failedOver.view());
    return true;
  }

  /**
   * Builds the point as a new VM, records the addresses {@code addresses} asks for (R19) and powers
   * it on, registering the undo of each step before it: the saga (or the caller's compensation)
   * deletes the copy again. Shared with a change of point.
   */
  MaterializedPoint startAt(
      String jobId, String recoveryPoint, FailoverRequest addresses, Saga saga) {
    HostRef target = s.input.target();
    MaterializedPoint[] built = new MaterializedPoint[1];
    saga.addCompensation(
        () -> {
          if (built[0] != null) {
            a.agent.deleteVm(new DeleteVmInput(target.agentAddress(), built[0].vmId()));
          }
        });
    built[0] =
        rec.step(
            jobId,
            MATERIALIZE_POINT,
            () ->
                s.cloudStorage != null
                    ? a.hasher.materializeCloudPoint(cloudInput(pointId(recoveryPoint)))
                    : a.hasher.materializeRecoveryPoint(
                        new MaterializeInput(
                            s.itemId(), target.agentAddress(), pointId(recoveryPoint), false, "")));
    FailoverAddresses.apply(rec, a, jobId, target.agentAddress(), built[0].vmId(), addresses);
    rec.step(
        jobId,
        POWER_ON_REPLICA,
        () -> a.agent.setPower(new PowerInput(target.agentAddress(), built[0].vmId(), true)));
    return built[0];
  }

  /**
   * Issue 8: the cloud host builds the point from the object store, on the networks the pairing
   * maps to (sorted, so that the input is the same on every replay).
   */
  AgentActivities.CloudMaterializeInput cloudInput(String pointId) {
    java.util.TreeSet<String> networks = new java.util.TreeSet<>();
    if (s.input.networkMapping() != null) {
      networks.addAll(s.input.networkMapping().values());
    }
    return new AgentActivities.CloudMaterializeInput(
        s.itemId(),
        s.input.target().agentAddress(),
        s.cloudStorage,
        pointId,
        "",
        java.util.List.copyOf(networks));
  }

  /** The agent's spelling: empty for the newest point, otherwise as the operator wrote it. */
  static String pointId(String recoveryPoint) {
    return recoveryPoint == null || recoveryPoint.equals("latest") ? "" : recoveryPoint;
  }

  private void rollBack(String jobId, ItemState before, String error, Saga saga) {
    String undo = Failures.compensate(saga);
    String message =
        "unplanned failover failed: "
            + error
            + (undo == null
                ? ". Nothing runs at the target and the replica with its recovery points is as it"
                    + " was; fix the cause and ask for the failover again."
                : ". Deleting the half-built VM failed too ("
                    + undo
                    + "): check the target's VMs before asking again.");
    Health health = undo == null ? Health.WARNING : Health.CRITICAL;
    log.warn("item {}: {}", s.itemId(), message);
    s.state = before;
    s.failedOver = null;
    s.failed(message, health);
    rec.item(s);
    rec.jobState(jobId, FAILED, message);
  }
}
