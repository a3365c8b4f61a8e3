package dev.haven.workflows.protection;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Saga;

/**
 * Turns the failures that activities raise into words for an operator and into a recoverable or not
 * decision (R16). The agent's own message is kept, because it says what to fix.
 */
final class Failures {
  private Failures() {}

  /** An operator-readable description: the error type, then the agent's message. */
  static String describe(Throwable failure) {
    Throwable cause = failure instanceof ActivityFailure ? failure.getCause() : failure;
    String activity =
        failure instanceof ActivityFailure af ? af.getActivityType() : "the workflow step";
    if (cause instanceof ApplicationFailure app) {
      return app.getType() + ": " + app.getOriginalMessage();
    }
    if (cause instanceof TimeoutFailure timeout) {
      return activity
          + " timed out ("
          + timeout.getTimeoutType().name().toLowerCase(java.util.Locale.ROOT)
          + "): the agent or the worker stopped answering; check that both are running";
    }
    if (cause instanceof CanceledFailure) {
      return activity + " was cancelled";
    }
    if (cause instanceof TemporalFailure temporal) {
      return activity + " failed: " + temporal.getOriginalMessage();
    }
    return activity + " failed: " + (cause == null ? failure : cause).getMessage();
  }

  /**
   * Runs {@code saga}'s compensations. Null when every one succeeded; otherwise what failed, in an
   * operator's words, so that the caller says the undo failed too.
   */
  static String compensate(Saga saga) {
    try {
      saga.compensate();
      return null;
    } catch (Saga.CompensationException | ActivityFailure e) {
      return describe(e.getCause() == null ? e : e.getCause());
    }
  }

  /** False for non-retryable application failures such as VmNotFound; true otherwise. */
  static boolean recoverable(Throwable failure) {
    Throwable cause = failure instanceof ActivityFailure ? failure.getCause() : failure;
    return !(cause instanceof ApplicationFailure app && app.isNonRetryable());
  }
}
