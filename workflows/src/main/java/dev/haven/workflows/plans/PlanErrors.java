package dev.haven.workflows.plans;

import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;

/** Operator-readable reasons from Temporal failures, without the wrapper text. */
final class PlanErrors {
  private PlanErrors() {}

  static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && !(t instanceof ApplicationFailure)) {
      t = t.getCause();
    }
    if (t instanceof ApplicationFailure application) {
      return application.getOriginalMessage();
    }
    if (t instanceof TemporalFailure temporal) {
      return temporal.getOriginalMessage();
    }
    return String.valueOf(t.getMessage());
  }
}
