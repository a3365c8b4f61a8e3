package dev.haven.workflows.protection;

import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.activities.StoreActivities.CycleRecord;
import dev.haven.workflows.activities.StoreActivities.ItemUpdate;
import dev.haven.workflows.activities.StoreActivities.JobStateUpdate;
import dev.haven.workflows.activities.StoreActivities.JobStepUpdate;
import dev.haven.workflows.activities.StoreActivities.RecoveryPointRecord;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * Writes the item, its recovery points and its jobs into the store through activities (R14, R28).
 * These rows are projections, Temporal's history being the record, so a store that stays down past
 * the activity's retries costs a stale row and a log line, never the workflow. A null job id (a
 * resumed run without an open job) records nothing for jobs.
 */
final class JobRecorder {
  static final String RUNNING = "running";
  static final String SUCCEEDED = "succeeded";
  static final String FAILED = "failed";

  private static final Logger log = Workflow.getLogger(JobRecorder.class);

  private final StoreActivities store;

  JobRecorder(StoreActivities store) {
    this.store = store;
  }

  /** Runs {@code body} as the job step {@code name}: running, then succeeded or failed. */
  <T> T step(String jobId, String name, Functions.Func<T> body) {
    stepState(jobId, name, RUNNING, null);
    T result;
    try {
      result = body.apply();
    } catch (RuntimeException e) {
      stepState(jobId, name, FAILED, Failures.describe(e));
      throw e;
    }
    stepState(jobId, name, SUCCEEDED, null);
    return result;
  }

  /** Opens a job that the workflow starts by itself (R28), before its first step. */
  void openJob(StoreActivities.JobOpen job) {
    write("job " + job.jobId(), () -> store.openJob(job));
  }

  void jobState(String jobId, String state, String error) {
    if (jobId == null) {
      return;
    }
    write(
        "job " + jobId, () -> store.recordJobState(new JobStateUpdate(jobId, state, now(), error)));
  }

  /** Projects the item's whole current status; fields the store should keep are sent as null. */
  void item(ProtectionState s) {
    ItemUpdate update = itemUpdate(s);
    write("item " + s.itemId(), () -> store.recordItem(update));
  }

  /**
   * A delta cycle's outcome in one write through {@code via}: the recovery point it made (null if
   * none) and the item's status.
   */
  void cycle(StoreActivities via, ProtectionState s, RecoveryPointRecord point) {
    CycleRecord record = new CycleRecord(itemUpdate(s), point);
    write("cycle of item " + s.itemId(), () -> via.recordCycle(record));
  }

  private static ItemUpdate itemUpdate(ProtectionState s) {
    return new ItemUpdate(
        s.itemId(),
        s.state.apiName(),
        s.health.apiName(),
        s.replicaVmId,
        s.lastAppliedSeq,
        s.lastRecoveryPointMillis,
        s.pendingBytes,
        s.lastError,
        s.activeSiteId,
        now());
  }

  void recoveryPoint(String itemId, long seq, long createdAtMillis) {
    write(
        "recovery point " + seq,
        () ->
            store.recordRecoveryPoint(
                new RecoveryPointRecord(itemId, seq, createdAtMillis, false)));
  }

  private void stepState(String jobId, String name, String state, String error) {
    if (jobId == null) {
      return;
    }
    write(
        "step " + name + " of job " + jobId,
        () -> store.recordJobStep(new JobStepUpdate(jobId, name, state, now(), error)));
  }

  private static long now() {
    return Workflow.currentTimeMillis();
  }

  private static void write(String what, Functions.Func<?> call) {
    try {
      call.apply();
    } catch (ActivityFailure e) {
      log.warn("could not record {} in the store: {}", what, Failures.describe(e));
    }
  }
}
