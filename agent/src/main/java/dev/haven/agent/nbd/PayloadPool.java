package dev.haven.agent.nbd;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.Semaphore;

/**
 * The payload buffers of one connection's requests in flight. Each request gets a direct buffer of
 * its own (data goes from the socket to the device without a copy on the Java heap), and buffers
 * are reused. A byte budget bounds what a client that pipelines many large requests can make the
 * agent hold: the reader waits for earlier requests to finish instead.
 */
final class PayloadPool {
  /** One request's buffer, and the budget it holds until {@link #release}. */
  record Payload(ByteBuffer buffer, int permits) {}

  private static final int UNIT = 4096;
  private static final int MIN_BUFFER = 64 * 1024;
  private static final int KEEP_FREE = 8;

  private final int totalPermits;
  private final Semaphore budget;
  // Guarded by itself. Buffers are removed through the iterator, by identity: ByteBuffer.equals
  // compares contents, so remove(Object) could take out a different buffer than the one handed out.
  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

  PayloadPool(int budgetBytes) {
    this.totalPermits = Math.max(1, budgetBytes / UNIT);
    this.budget = new Semaphore(totalPermits);
  }

  /**
   * A buffer cleared and limited to {@code length} bytes, once the budget allows it. A request
   * larger than the whole budget waits until nothing else is in flight.
   */
  Payload acquire(int length) {
    int permits = (int) Math.min(totalPermits, Math.max(1, ((long) length + UNIT - 1) / UNIT));
    budget.acquireUninterruptibly(permits);
    ByteBuffer buffer = reuse(length);
    if (buffer == null) {
      int capacity = Math.max(MIN_BUFFER, length);
      buffer = ByteBuffer.allocateDirect(capacity);
    }
    buffer.clear().limit(length);
    return new Payload(buffer, permits);
  }

  /** Gives a payload's buffer and budget back. */
  void release(Payload payload) {
    synchronized (free) {
      if (free.size() < KEEP_FREE) {
        free.push(payload.buffer());
      }
    }
    budget.release(payload.permits());
  }

  private ByteBuffer reuse(int length) {
    synchronized (free) {
      for (Iterator<ByteBuffer> it = free.iterator(); it.hasNext(); ) {
        ByteBuffer candidate = it.next();
        if (candidate.capacity() >= length) {
          it.remove();
          return candidate;
        }
      }
    }
    return null;
  }
}
