package dev.haven.workflows.protection;

import dev.haven.workflows.activities.AgentActivities.CycleResult;
import dev.haven.workflows.activities.StoreActivities.RecoveryPointRecord;

/** Whether a delta cycle made a recovery point, and the point the store should record for it. */
final class CyclePoints {
  private CyclePoints() {}

  /** A cycle made a point when the target acknowledged everything it sealed. */
  static boolean madePoint(CycleResult r) {
    return r.sealedSeq() > 0 && r.ackedSeq() >= r.sealedSeq();
  }

  /** The point that cycle {@code r} of item {@code itemId} made, or null when it made none. */
  static RecoveryPointRecord of(String itemId, CycleResult r) {
    return madePoint(r)
        ? new RecoveryPointRecord(itemId, r.sealedSeq(), r.sealedAtMillis(), false)
        : null;
  }
}
