package dev.haven.workflows.protection;

import dev.haven.workflows.model.ItemState;

/**
 * Which lifecycle Updates (policy change, pause, resume, disable) the item accepts now, in words
 * that say what is allowed instead. The API turns these messages into 409 answers (400 for a
 * malformed policy). Reads state only.
 */
final class LifecycleRules {
  static final String PAUSE = "pause";
  static final String RESUME = "resume";
  static final String DISABLE = "disable";

  private LifecycleRules() {}

  static void checkPolicy(ProtectionState s, PolicySettings p) {
    if (p == null) {
      throw new IllegalArgumentException("a policy update needs the policy's settings");
    }
    if (p.copyFrequencySeconds() < 5) {
      throw new IllegalArgumentException(
          "copyFrequencySeconds must be at least 5; it is " + p.copyFrequencySeconds());
    }
    if (p.recoveryPointRetentionHours() < 1 || p.recoveryPointRetentionHours() > 720) {
      throw new IllegalArgumentException(
          "recoveryPointRetentionHours must be between 1 and 720 (30 days); it is "
              + p.recoveryPointRetentionHours());
    }
    if (p.appConsistentFrequencyHours() < 0
        || p.appConsistentFrequencyHours() > p.recoveryPointRetentionHours()) {
      throw new IllegalArgumentException(
          "appConsistentFrequencyHours must be within recoveryPointRetentionHours");
    }
    if (isFinal(s.state)) {
      throw new IllegalStateException(
          "the item is " + s.state.apiName() + "; a policy change no longer applies to it");
    }
  }

  static void check(ProtectionState s, String kind, LifecycleRequest request) {
    if (request == null || request.jobId() == null || request.jobId().isBlank()) {
      throw new IllegalArgumentException("a " + kind + " request needs the id of its job");
    }
    checkNothingQueued(s);
    ItemState st = s.state;
    boolean allowed =
        switch (kind) {
          case PAUSE -> st == ItemState.PROTECTED;
          case RESUME -> st == ItemState.PAUSED || st == ItemState.ERROR;
          default ->
              st == ItemState.PROTECTED
                  || st == ItemState.PAUSED
                  || st == ItemState.ERROR
                  || st == ItemState.RESYNC_REQUIRED
                  || CloudFailback.inCloud(s);
        };
    if (!allowed) {
      throw new IllegalStateException(
          kind
              + " is not allowed while the item is in state "
              + st.apiName()
              + "; it is allowed in state "
              + allowedStates(kind));
    }
  }

  /** Rejects any operation while another accepted one has not started yet. */
  static void checkNothingQueued(ProtectionState s) {
    if (s.pendingFailover != null) {
      throw new IllegalStateException(
          "a failover is already under way for this item (job "
              + s.pendingFailover.jobId()
              + "); wait for it to end");
    }
    if (s.pendingLifecycle != null) {
      throw new IllegalStateException(
          "a "
              + s.pendingLifecycleKind
              + " is already under way for this item (job "
              + s.pendingLifecycle.jobId()
              + "); wait for it to end");
    }
  }

  private static String allowedStates(String kind) {
    return switch (kind) {
      case PAUSE -> "protected";
      case RESUME -> "paused or error";
      default -> "protected, paused, resync-required or error, or committed in a cloud site";
    };
  }

  static boolean isFinal(ItemState st) {
    return st == ItemState.DISABLED || st == ItemState.FAILED_OVER || st == ItemState.COMMITTED;
  }
}
