package dev.haven.api.core;

import io.dropwizard.lifecycle.Managed;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work the API does once at start-up against Temporal and the store, in the background so that the
 * API answers at once even when Temporal is not up yet: {@link #pass()} runs on a daemon thread and
 * again, after a delay that doubles from 1 s to 30 s, until it says it is done or {@code attempts}
 * passes have run.
 */
abstract class StartupPasses implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(StartupPasses.class);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration LONGEST_RETRY = Duration.ofSeconds(30);

  private final String name;
  private final int attempts;
  private ScheduledExecutorService scheduler;
  private long startedAtMillis;

  StartupPasses(String name, int attempts) {
    this.name = name;
    this.attempts = attempts;
  }

  /** One pass; true when nothing is left to do. An exception counts as a failed pass. */
  abstract boolean pass();

  /** When the API started: rows made after it are this API's own, not left from before. */
  final long startedAtMillis() {
    return startedAtMillis;
  }

  @Override
  public void start() {
    startedAtMillis = System.currentTimeMillis();
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "haven-" + name);
              t.setDaemon(true);
              return t;
            });
    scheduler.execute(() -> run(1, FIRST_RETRY));
  }

  @Override
  public void stop() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }

  private void run(int attempt, Duration delay) {
    boolean done;
    try {
      done = pass();
    } catch (RuntimeException e) {
      LOG.info("{}: pass {} failed: {}", name, attempt, e.getMessage());
      done = false;
    }
    if (done || scheduler.isShutdown()) {
      return;
    }
    if (attempt >= attempts) {
      LOG.warn("{}: gave up after {} passes", name, attempt);
      return;
    }
    LOG.info("{}: not done yet; retrying in {} s", name, delay.toSeconds());
    Duration next =
        delay.multipliedBy(2).compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : delay.multipliedBy(2);
    scheduler.schedule(() -> run(attempt + 1, next), delay.toMillis(), TimeUnit.MILLISECONDS);
  }
}
