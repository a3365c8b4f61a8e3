package dev.haven.dist.commands;

import java.util.concurrent.CountDownLatch;

/**
 * Keeps a server process alive until SIGTERM or SIGINT, then closes what it started, once, in a
 * shutdown hook, so that disks and logs are flushed before the JVM exits.
 */
final class ProcessLifetime {
  private ProcessLifetime() {}

  /** Blocks until the JVM is asked to stop, after which {@code resource} has been closed. */
  static void runUntilStopped(AutoCloseable resource) throws InterruptedException {
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    resource.close();
                  } catch (Exception e) {
                    System.err.println("error while stopping: " + e);
                  } finally {
                    closed.countDown();
                  }
                },
                "haven-shutdown"));
    closed.await();
  }
}
