package dev.haven.cloud.store;

import java.time.Duration;
import java.util.Set;

/**
 * How a cloud backend retries a call that failed for a reason that may pass (a 5xx answer,
 * throttling, a refused or reset connection, a timeout): at most {@code attempts} tries in all,
 * waiting an exponentially growing, jittered delay from {@code backoff} up to {@code maxBackoff}
 * between them, each try bounded by {@code attemptTimeout}. A call that fails for good (access
 * denied, no such object) is never retried. Both backends hand these to their SDK's own retry
 * machinery, so they mean the same thing for S3 and Azure Blob.
 *
 * <p>Location options: {@code attempts} (default 4), {@code backoffMs} (default 200), {@code
 * maxBackoffMs} (default 10000), {@code timeoutMs} (default 120000).
 */
record RetrySettings(int attempts, Duration backoff, Duration maxBackoff, Duration attemptTimeout) {
  /** The location options these settings are read from. */
  static final Set<String> OPTIONS = Set.of("attempts", "backoffMs", "maxBackoffMs", "timeoutMs");

  RetrySettings {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1, was " + attempts);
    }
    if (maxBackoff.compareTo(backoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoffMs ("
              + maxBackoff.toMillis()
              + ") is below backoffMs ("
              + backoff.toMillis()
              + ")");
    }
  }

  static RetrySettings from(StoreLocation location) {
    return new RetrySettings(
        location.intOption("attempts", 4, 1, 100),
        Duration.ofMillis(location.intOption("backoffMs", 200, 1, 600_000)),
        Duration.ofMillis(location.intOption("maxBackoffMs", 10_000, 1, 600_000)),
        Duration.ofMillis(location.intOption("timeoutMs", 120_000, 100, 3_600_000)));
  }
}
