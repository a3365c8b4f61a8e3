package dev.haven.workflows.protection;

import dev.haven.workflows.model.ItemState;
import java.util.Set;

/**
 * When the item accepts a failover, in words that tell the operator what is allowed instead. The
 * API turns these messages into 409 answers.
 */
final class FailoverRules {
  static final String PLANNED = "planned";
  private static final Set<String> KNOWN_TYPES = Set.of(PLANNED, "unplanned", "test");

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
    if (!PLANNED.equals(type)) {
      throw new IllegalArgumentException(
          "failover type '" + type + "' is not supported yet; only planned failover is");
    }
    if (s.pendingFailover != null) {
      throw new IllegalStateException(
          "a failover is already under way for this item (job "
              + s.pendingFailover.jobId()
              + "); wait for it to end");
    }
    if (s.state != ItemState.PROTECTED) {
      throw new IllegalStateException(
          "failover is not allowed while the item is in state "
              + s.state.apiName()
              + "; it is allowed in state "
              + ItemState.PROTECTED.apiName());
    }
  }
}
