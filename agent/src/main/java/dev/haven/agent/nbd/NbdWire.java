package dev.haven.agent.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** Blocking whole-buffer reads and writes on a socket channel. */
final class NbdWire {
  private NbdWire() {}

  /** Fills {@code dst} completely; the peer closing first is an {@link EOFException}. */
  static void readFully(SocketChannel channel, ByteBuffer dst) throws IOException {
    while (dst.hasRemaining()) {
      if (channel.read(dst) < 0) {
        throw new EOFException("peer closed the connection");
      }
    }
  }

  /**
   * Fills {@code dst} completely, or returns false when the peer closed before sending a single
   * byte: the clean end of a stream of messages.
   */
  static boolean readFullyOrEnd(SocketChannel channel, ByteBuffer dst) throws IOException {
    int start = dst.position();
    while (dst.hasRemaining()) {
      if (channel.read(dst) < 0) {
        if (dst.position() == start) {
          return false;
        }
        throw new EOFException("peer closed the connection in the middle of a message");
      }
    }
    return true;
  }

  /** Reads and drops {@code length} bytes, using {@code scratch} as the landing area. */
  static void skip(SocketChannel channel, long length, ByteBuffer scratch) throws IOException {
    long left = length;
    while (left > 0) {
      scratch.clear();
      scratch.limit((int) Math.min(scratch.capacity(), left));
      readFully(channel, scratch);
      left -= scratch.limit();
    }
  }

  /** Writes every remaining byte of every buffer, in one gathering call where the OS allows. */
  static void writeFully(SocketChannel channel, ByteBuffer... srcs) throws IOException {
    while (anyRemaining(srcs)) {
      channel.write(srcs);
    }
  }

  private static boolean anyRemaining(ByteBuffer[] srcs) {
    for (ByteBuffer src : srcs) {
      if (src.hasRemaining()) {
        return true;
      }
    }
    return false;
  }
}
