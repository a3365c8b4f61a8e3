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
  static final String TEST = "test";
  private static final Set<String> KNOWN_TYPES = Set.of(PLANNED, UNPLANNED, TEST);

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
    if (s.testVmId != null) {
      throw new IllegalStateException(
          "a test failover runs for this item (test VM "
              + s.testVmId
              + "); clean it up before another failover");
    }
    if (CloudFailback.inCloud(s)) {
      // R21: from a cloud site the only way is a planned failover home, the failback.
      if (!PLANNED.equals(type)) {
        throw new IllegalStateException(
            "the item is failed over to a cloud site; only a planned failover (the failback) is"
                + " allowed now, not "
                + type);
      }
      return;
    }
    if (request.alternateHost() != null) {
      throw new IllegalArgumentException(
          "alternateHostId is for a failback from a cloud site; this item is in state "
              + s.state.apiName());
    }
    if (UNPLANNED.equals(type) && !UNPLANNED_FROM.contains(s.state)) {
      throw new IllegalStateException(
          "unplanned failover is not allowed while the item is in state "
              + s.state.apiName()
              + "; it is allowed in state protected, paused or error");
    }
    if (!UNPLANNED.equals(type) && s.state != ItemState.PROTECTED) {
      throw new IllegalStateException(
          "failover is not allowed while the item is in state "
              + s.state.apiName()
              + "; it is allowed in state "
              + ItemState.PROTECTED.apiName());
    }
  }

  /** The clean-up of a test failover: only while one runs, with the operator's verdict. */
  static void checkCleanup(ProtectionState s, TestCleanupRequest request) {
    if (request == null || request.jobId() == null || request.jobId().isBlank()) {
      throw new IllegalArgumentException("a test failover clean-up needs the id of its job");
    }
    if (request.verdict() != null && !Set.of("passed", "failed").contains(request.verdict())) {
      throw new IllegalArgumentException(
          "verdict must be passed or failed; it is '" + request.verdict() + "'");
    }
    if (s.pendingCleanup != null) {
      throw new IllegalStateException(
          "a test failover clean-up is already under way (job "
              + s.pendingCleanup.jobId()
              + "); wait for it to end");
    }
    if (s.testVmId == null) {
      throw new IllegalStateException(
          "test-failover-cleanup is not allowed while the item is in state "
              + s.state.apiName()
              + "; it is allowed in state "
              + ItemState.TEST_FAILOVER.apiName());
    }
  }
}
