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
   * What one delta cycle leaves in the store: the item's status and, when the cycle made one, its
   * recovery point ({@code point} null otherwise). One write instead of {@link
   * #recordRecoveryPoint} then {@link #recordItem} keeps a cycle's history and load small when
   * thousands of items cycle every few seconds.
   */
  record CycleRecord(ItemUpdate item, RecoveryPointRecord point) {}

  /** Records a delta cycle's point (if any) and the item's status in one transaction. */
  Ack recordCycle(CycleRecord cycle);

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

  /**
   * A job that the workflow itself starts (an automatic resync, finalize protection), linked to the
   * item and its workflow. Opening the same job id again is harmless.
   */
  record JobOpen(String jobId, String type, String itemId, String workflowId, long atMillis) {}

  Ack openJob(JobOpen job);

  record ItemRef(String itemId) {}

  /**
   * The policy of the item's pairing as the store holds it now; null fields when the item or its
   * policy is gone. {@code resyncWindow} and {@code replicaDeletion} use the API's spellings.
   */
  record ItemPolicy(
      String policyId,
      int copyFrequencySeconds,
      int recoveryPointRetentionHours,
      int appConsistentFrequencyHours,
      String resyncWindow,
      String resyncTimeZone,
      boolean compression,
      String replicaDeletion) {}

  ItemPolicy itemPolicy(ItemRef item);

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

  /**
   * Forgets every recovery point listed for the item, because its replication started afresh in the
   * same direction (the cancel of a planned failover): the target's points went with its old
   * record, and the new ones number from sequence 1 again, which the store would otherwise take for
   * the old ones and drop. An unknown item is acknowledged as not recorded.
   */
  default Ack forgetRecoveryPoints(ItemRef item) {
    throw new UnsupportedOperationException("this store cannot forget recovery points");
  }

  // --- drill reports (R27) ---
  /**
   * The report of one test failover, keyed by the job that started it: written when the test VM
   * runs ({@code endedAtMillis} null) and again when its clean-up ends, with the duration and the
   * operator's verdict and notes.
   */
  record DrillRecord(
      String jobId,
      String itemId,
      String testVmId,
      String pointId,
      long pointSeq,
      long startedAtMillis,
      Long endedAtMillis,
      Long durationMillis,
      String verdict,
      String notes,
      String cleanupJobId) {}

  /**
   * Records a drill; a drill that ended keeps its first end, so a retried write changes nothing. An
   * unknown item is acknowledged as not recorded.
   */
  Ack recordDrill(DrillRecord drill);

  // --- end drill reports (R27) ---
  // --- cloud site (issue 8) ---
  record SiteRef(String siteId) {}

  /** A site's object store: its location when it is a cloud site with one, else null. */
  record SiteStorage(String location) {}

  /**
   * The object store of a site ({@code file:///srv/haven/cloud-storage}, …). A store without cloud
   * sites answers a null location.
   */
  default SiteStorage siteStorage(SiteRef site) {
    return new SiteStorage(null);
  }
  // --- end cloud site ---
}
