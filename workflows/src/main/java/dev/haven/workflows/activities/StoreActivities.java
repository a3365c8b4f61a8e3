package dev.haven.workflows.activities;

import io.temporal.activity.ActivityInterface;

/**
 * Projections of workflow state into the store, so that the API lists items, recovery points and
 * jobs without querying every workflow (R14, R28). Temporal's history stays the authoritative
 * record. Every write is idempotent: a retried activity leaves the same rows.
 */
@ActivityInterface
public interface StoreActivities {

  /** The acknowledgement of a projection write. */
  record Ack(boolean written) {}

  /**
   * The item's replication status. {@code state} and {@code health} use the API spelling; null
   * fields leave the stored value as it was.
   */
  record ItemUpdate(
      String itemId,
      String state,
      String health,
      String replicaVmId,
      Long lastAppliedSeq,
      Long lastRecoveryPointMillis,
      Long pendingBytes,
      String lastError,
      String activeSiteId,
      long atMillis) {}

  Ack recordItem(ItemUpdate update);

  /** One recovery point that the target applied; recording the same seq twice is harmless. */
  record RecoveryPointRecord(
      String itemId, long seq, long createdAtMillis, boolean appConsistent) {}

  Ack recordRecoveryPoint(RecoveryPointRecord point);

  /**
   * A step of a job changed state: {@code running} when it starts, {@code succeeded} or {@code
   * failed} (with an operator-readable {@code error}) when it ends. Steps are keyed by job and
   * name.
   */
  record JobStepUpdate(String jobId, String step, String state, long atMillis, String error) {}

  Ack recordJobStep(JobStepUpdate update);

  /** The whole job changed state (running, waiting, succeeded, failed, cancelled). */
  record JobStateUpdate(String jobId, String state, long atMillis, String error) {}

  Ack recordJobState(JobStateUpdate update);

  // --- reverse replication (R25) ---
  /**
   * The item's direction after a reverse replication: it runs {@code vmId} at {@code sourceHostId}
   * and replicates into {@code replicaVmId} at {@code targetHostId}.
   */
  record DirectionUpdate(
      String itemId,
      String vmId,
      String replicaVmId,
      String sourceHostId,
      String targetHostId,
      long atMillis) {}

  /** Records the item's new direction; an unknown item is acknowledged as not recorded. */
  Ack recordDirection(DirectionUpdate update);
  // --- end reverse replication (R25) ---
}
