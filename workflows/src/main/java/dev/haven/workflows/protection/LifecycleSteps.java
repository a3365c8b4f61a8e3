package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.activities.CloudSiteActivities.CloudItemDeleted;
import dev.haven.workflows.activities.CloudSiteActivities.CloudItemInput;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * Pause, resume and disable (issue 5 point 8), each run by the main loop as a job with steps (R28).
 * A step that fails leaves the item as it was and the job says which step failed and what to do.
 */
final class LifecycleSteps {
  static final String PAUSE_REPLICATION = "pause-replication";
  static final String RESUME_REPLICATION = "resume-replication";
  static final String STOP_SOURCE = "stop-replication-source";
  static final String STOP_TARGET = "stop-replication-target";
  static final String DELETE_REPLICA = "delete-replica";
  static final String KEEP_REPLICA = "keep-replica";
  static final String DELETE_CLOUD_OBJECTS = "delete-cloud-objects";

  /**
   * Behind this version, disabling an item replicated to a cloud site with replica deletion also
   * deletes its objects from the site's store (before, they stayed there, paid for, forever).
   */
  static final String DELETES_CLOUD_OBJECTS = "disable-deletes-cloud-objects";

  private static final Logger log = Workflow.getLogger(LifecycleSteps.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;
  private final ReplicationSteps replication;

  LifecycleSteps(
      ProtectionState state,
      ProtectionActivities activities,
      JobRecorder recorder,
      ReplicationSteps replication) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
    this.replication = replication;
  }

  /** Runs the queued operation; true when the item is disabled and the workflow should end. */
  boolean run(String kind, LifecycleRequest request) {
    return switch (kind) {
      case LifecycleRules.PAUSE -> pause(request.jobId());
      case LifecycleRules.RESUME -> resume(request.jobId());
      default -> disable(request);
    };
  }

  /** Stops the cycles; the source keeps logging writes, so resuming ships all of them. */
  private boolean pause(String jobId) {
    rec.jobState(jobId, RUNNING, null);
    rec.step(
        jobId,
        PAUSE_REPLICATION,
        () -> {
          s.state = ItemState.PAUSED;
          return null;
        });
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
    return false;
  }

  /** Ships everything logged since the pause or the error at once, then cycles resume. */
  private boolean resume(String jobId) {
    rec.jobState(jobId, RUNNING, null);
    ItemState before = s.state;
    try {
      rec.step(jobId, RESUME_REPLICATION, replication::shipAndRecord);
    } catch (ActivityFailure e) {
      failJob(s, rec, jobId, RESUME_REPLICATION, Failures.describe(e), "resume again");
      return false;
    }
    long now = Workflow.currentTimeMillis();
    s.schedule.reset(now);
    s.schedule.succeeded(now);
    s.state = ItemState.PROTECTED;
    s.health = Health.NORMAL;
    log.info("item {} resumed from state {}", s.itemId(), before.apiName());
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
    return false;
  }

  /** Removes replication on both sides and keeps or deletes the replica as the policy says. */
  private boolean disable(LifecycleRequest request) {
    String jobId = request.jobId();
    rec.jobState(jobId, RUNNING, null);
    String step = STOP_SOURCE;
    try {
      rec.step(
          jobId,
          step,
          () ->
              a.agent.stopReplication(new StopInput(s.itemId(), s.input.source().agentAddress())));
      step = STOP_TARGET;
      rec.step(
          jobId,
          step,
          () ->
              a.agent.stopReplication(new StopInput(s.itemId(), s.input.target().agentAddress())));
      if (request.deleteReplica() && deletesCloudObjects(s)) {
        step = DELETE_CLOUD_OBJECTS;
        rec.step(jobId, step, () -> deleteCloudObjects(s, a));
      }
      if (request.deleteReplica() && s.replicaVmId != null) {
        step = DELETE_REPLICA;
        rec.step(
            jobId,
            step,
            () ->
                a.agent.deleteVm(
                    new DeleteVmInput(s.input.target().agentAddress(), s.replicaVmId)));
      } else {
        rec.step(jobId, KEEP_REPLICA, () -> null);
      }
    } catch (ActivityFailure e) {
      failJob(s, rec, jobId, step, Failures.describe(e), "disable again");
      return false;
    }
    s.state = ItemState.DISABLED;
    s.health = Health.NORMAL;
    if (request.deleteReplica()) {
      s.replicaVmId = null;
    }
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
    return true;
  }

  /** True when the item's replica is a cloud site's objects and this run deletes them. */
  static boolean deletesCloudObjects(ProtectionState s) {
    return s.cloudStorage != null
        && Workflow.getVersion(DELETES_CLOUD_OBJECTS, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  /** The cloud host deletes every object of the item (idempotent, so a retried disable is too). */
  static CloudItemDeleted deleteCloudObjects(ProtectionState s, ProtectionActivities a) {
    return a.hasher.deleteCloudItem(
        new CloudItemInput(s.itemId(), s.input.target().agentAddress(), s.cloudStorage));
  }

  /**
   * Fails a lifecycle job at {@code step}: the item stays in its state, and the job says which step
   * failed and what to do ({@code retry}, e.g. "disable again").
   */
  static void failJob(
      ProtectionState s, JobRecorder rec, String jobId, String step, String error, String retry) {
    String message =
        "step "
            + step
            + " failed: "
            + error
            + ". The item stays "
            + s.state.apiName()
            + "; fix the cause and "
            + retry
            + ".";
    log.warn("item {}: {}", s.itemId(), message);
    s.lastError = error;
    rec.item(s);
    rec.jobState(jobId, FAILED, message);
  }
}
