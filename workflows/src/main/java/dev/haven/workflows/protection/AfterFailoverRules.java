package dev.haven.workflows.protection;

import dev.haven.workflows.model.ItemState;

/**
 * When a failed-over item accepts a commit, a cancel or a change of recovery point (R20), in words
 * that say what is allowed instead. The API turns these messages into 409 answers. Reads state
 * only.
 */
final class AfterFailoverRules {
  private AfterFailoverRules() {}

  static void check(ProtectionState s, String kind, AfterFailoverRequest request) {
    if (request == null || request.jobId() == null || request.jobId().isBlank()) {
      throw new IllegalArgumentException("a " + kind + " request needs the id of its job");
    }
    if (CommitSteps.CHANGE_POINT.equals(kind)
        && (request.recoveryPoint() == null || request.recoveryPoint().isBlank())) {
      throw new IllegalArgumentException(
          "a change of recovery point needs the point: latest, latest-app-consistent or an id");
    }
    if (s.pendingAfter != null) {
      throw new IllegalStateException(
          "a "
              + s.pendingAfterKind
              + " is already under way for this item (job "
              + s.pendingAfter.jobId()
              + "); wait for it to end");
    }
    if (s.state != ItemState.FAILED_OVER || s.failedOver == null) {
      throw new IllegalStateException(
          kind
              + " is not allowed while the item is in state "
              + s.state.apiName()
              + "; it is allowed in state "
              + ItemState.FAILED_OVER.apiName());
    }
    if (CommitSteps.CHANGE_POINT.equals(kind) && s.failedOver.planned()) {
      throw new IllegalStateException(
          "change-recovery-point is allowed after an unplanned failover only; this item's planned"
              + " failover carried every last write");
    }
  }
}
