package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;

import dev.haven.workflows.model.Health;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * How a decision after a failover (commit, cancel, change of point) fails: the item stays failed
 * over with its VM running, and the item and the job say why.
 */
final class AfterFailoverFailure {
  private static final Logger log = Workflow.getLogger(AfterFailoverFailure.class);

  private AfterFailoverFailure() {}

  static void record(
      ProtectionState s,
      JobRecorder rec,
      String jobId,
      boolean recordJob,
      String kind,
      RuntimeException e) {
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
