package dev.haven.workflows.protection;

import dev.haven.workflows.model.Health;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * When the next delta cycle runs and how healthy the item is (R14, R16), from the workflow's own
 * clock ({@code Workflow.currentTimeMillis}), so that it is deterministic on replay.
 *
 * <p>After a recoverable failure the next attempts wait 1, 2, 4, 8 and 10 minutes, then every 30
 * minutes; one success brings back the copy frequency. A non-recoverable failure halts the cycles
 * until an operator resumes, resyncs or disables. Health is critical while halted, warning when the
 * newest recovery point is older than twice the copy frequency or when more than 20% of the last
 * hour's expected cycles did not succeed, normal otherwise.
 */
final class CycleSchedule {
  static final long[] BACKOFF_MINUTES = {1, 2, 4, 8, 10};
  static final long THEN_EVERY_MINUTES = 30;
  static final long HOUR_MILLIS = Duration.ofHours(1).toMillis();
  static final double MISSED_LIMIT = 0.2;

  private final Deque<Long> successes = new ArrayDeque<>();
  private long sinceMillis = -1;
  private long lastSuccessMillis = -1;
  private long lastStartMillis = -1;
  private int failures;
  private boolean halted;

  /** The delay before the next attempt: the copy frequency, or the back-off after failures. */
  Duration nextDelay(int copyFrequencySeconds) {
    if (failures == 0) {
      return Duration.ofSeconds(Math.max(1, copyFrequencySeconds));
    }
    return backoff(failures - 1);
  }

  /**
   * The delay before the next attempt when cycles keep a fixed rate: the next cycle is due one copy
   * frequency after the last one started (at once when that cycle took longer), not one copy
   * frequency after it ended. The newest recovery point is then at most one frequency plus one
   * cycle old when the next one lands, instead of one frequency plus two cycles, which is what
   * keeps the RPO near the copy frequency while a busy guest makes each cycle long (issue 4, point
   * 8). After failures the back-off applies as before.
   */
  Duration nextDelay(int copyFrequencySeconds, long now) {
    if (failures > 0 || lastStartMillis < 0) {
      return nextDelay(copyFrequencySeconds);
    }
    long due = lastStartMillis + Math.max(1, copyFrequencySeconds) * 1000L;
    return Duration.ofMillis(Math.max(0, due - now));
  }

  /** A delta cycle starts at {@code now}. */
  void cycleStarted(long now) {
    lastStartMillis = now;
  }

  static Duration backoff(int retry) {
    return Duration.ofMinutes(
        retry < BACKOFF_MINUTES.length ? BACKOFF_MINUTES[retry] : THEN_EVERY_MINUTES);
  }

  /** Starts measuring from {@code now}: protection (or resumption) just began. */
  void start(long now) {
    if (sinceMillis < 0) {
      sinceMillis = now;
    }
  }

  void succeeded(long now) {
    start(now);
    failures = 0;
    halted = false;
    lastSuccessMillis = now;
    successes.addLast(now);
    prune(now);
  }

  void failed(long now, boolean recoverable) {
    start(now);
    if (recoverable) {
      failures++;
    } else {
      halted = true;
    }
    prune(now);
  }

  /** An operator acted (resume, resync): cycles run again at the copy frequency. */
  void reset(long now) {
    failures = 0;
    halted = false;
    sinceMillis = now;
    lastSuccessMillis = -1;
    successes.clear();
  }

  boolean halted() {
    return halted;
  }

  int consecutiveFailures() {
    return failures;
  }

  Health health(long now, int copyFrequencySeconds) {
    if (halted) {
      return Health.CRITICAL;
    }
    if (sinceMillis < 0) {
      return Health.NORMAL;
    }
    prune(now);
    long frequencyMillis = Math.max(1, copyFrequencySeconds) * 1000L;
    long newest = lastSuccessMillis >= 0 ? lastSuccessMillis : sinceMillis;
    if (now - newest > 2 * frequencyMillis) {
      return Health.WARNING;
    }
    long from = Math.max(sinceMillis, now - HOUR_MILLIS);
    long expected = (now - from) / frequencyMillis;
    long succeeded = successes.stream().filter(t -> t > from).count();
    if (expected > 0 && (expected - succeeded) > MISSED_LIMIT * expected) {
      return Health.WARNING;
    }
    return Health.NORMAL;
  }

  private void prune(long now) {
    while (!successes.isEmpty() && successes.peekFirst() <= now - HOUR_MILLIS) {
      successes.removeFirst();
    }
  }
}
