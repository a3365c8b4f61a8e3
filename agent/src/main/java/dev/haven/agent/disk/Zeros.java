package dev.haven.agent.disk;

import java.nio.ByteBuffer;

/** Tells whether a buffer holds only zero bytes, a long at a time. */
public final class Zeros {
  private Zeros() {}

  /** True when every remaining byte of {@code buffer} is zero; the position is unchanged. */
  public static boolean isAllZero(ByteBuffer buffer) {
    ByteBuffer view = buffer.duplicate();
    while (view.remaining() >= Long.BYTES) {
      if (view.getLong() != 0) {
        return false;
      }
    }
    while (view.hasRemaining()) {
      if (view.get() != 0) {
        return false;
      }
    }
    return true;
  }
}
