package dev.haven.workflows.protection;

import dev.haven.workflows.model.ItemState;
import java.util.Set;

/**
 * When the item accepts a failover, in words that tell the operator what is allowed instead. The
 * API turns these messages into 409 answers.
 */
final class FailoverRules {
  static final String PLANNED = "planned";
  static final String UNPLANNED = "unplanned";
  private static final Set<String> KNOWN_TYPES = Set.of(PLANNED, UNPLANNED, "test");

  /** An unplanned failover is for a source that is gone, which often leaves cycles failing. */
  private static final Set<ItemState> UNPLANNED_FROM =
      Set.of(ItemState.PROTECTED, ItemState.PAUSED, ItemState.ERROR);

  private FailoverRules() {}

  /** Throws with a clear message unless {@code request} may start now. Reads state only. */
  static void check(ProtectionState s, FailoverRequest request) {
    if (request == null || request.jobId() == null || request.jobId().isBlank()) {
      throw new IllegalArgumentException("a failover request needs the id of its job");
    }
    String type = request.type();
    if (type == null || !KNOWN_TYPES.contains(type)) {
      throw new IllegalArgumentException(
          "unknown failover type '" + type + "'; expected planned, unplanned or test");
    }
    if (!PLANNED.equals(type) && !UNPLANNED.equals(type)) {
      throw new IllegalArgumentException(
          "failover type '" + type + "' is not supported yet; planned and unplanned failover are");
    }
    if (request.autoCommitSeconds() != null && request.autoCommitSeconds() < 0) {
      throw new IllegalArgumentException(
          "autoCommitSeconds must not be negative; it is " + request.autoCommitSeconds());
    }
    if (s.pendingFailover != null) {
      throw new IllegalStateException(
          "a failover is already under way for this item (job "
              + s.pendingFailover.jobId()
              + "); wait for it to end");
    }
    if (UNPLANNED.equals(type) && !UNPLANNED_FROM.contains(s.state)) {
      throw new IllegalStateException(
          "unplanned failover is not allowed while the item is in state "
              + s.state.apiName()
              + "; it is allowed in state protected, paused or error");
    }
    if (PLANNED.equals(type) && s.state != ItemState.PROTECTED) {
      throw new IllegalStateException(
          "failover is not allowed while the item is in state "
              + s.state.apiName()
              + "; it is allowed in state "
              + ItemState.PROTECTED.apiName());
    }
  }
}
