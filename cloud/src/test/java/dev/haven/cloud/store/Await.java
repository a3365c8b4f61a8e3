package dev.haven.cloud.store;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.BooleanSupplier;

/** Waits for something a test set in motion, with a generous bound so a hang fails the test. */
final class Await {
  private static final long LIMIT_MILLIS = 120_000;

  private Await() {}

  static void until(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + LIMIT_MILLIS * 1_000_000;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("gave up waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
