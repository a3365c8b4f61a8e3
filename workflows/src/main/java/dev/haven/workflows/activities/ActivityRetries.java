package dev.haven.workflows.activities;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Activity options that the protection and the plan workflows share: the store's calls and the
 * exponential back-off that every kind of call builds its retries from.
 */
public final class ActivityRetries {

  /**
   * Store reads, writes and projections: retried with back-off for half an hour, since the store
   * may restart meanwhile.
   */
  public static final ActivityOptions STORE =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setScheduleToCloseTimeout(Duration.ofMinutes(30))
          .setRetryOptions(backoff(Duration.ofSeconds(1), Duration.ofMinutes(1), 0))
          .build();

  private ActivityRetries() {}

  /**
   * Retries that start after {@code initial} and double up to {@code max}; {@code attempts} bounds
   * them (0: unbounded, within the activity's schedule-to-close timeout).
   */
  public static RetryOptions backoff(Duration initial, Duration max, int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(initial)
        .setBackoffCoefficient(2.0)
        .setMaximumInterval(max)
        .setMaximumAttempts(attempts)
        .build();
  }
}
