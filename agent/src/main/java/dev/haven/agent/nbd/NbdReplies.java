package dev.haven.agent.nbd;

import static dev.haven.agent.nbd.NbdConstants.SIMPLE_REPLY_MAGIC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes simple replies to one connection. Replies are written whole under a lock, so that requests
 * handled on several threads can answer in any order without interleaving bytes.
 */
final class NbdReplies {
  private final SocketChannel channel;
  private final ReentrantLock lock = new ReentrantLock();
  private final ByteBuffer header = ByteBuffer.allocateDirect(16);
  private final ByteBuffer[] headerOnly = {header};
  private final ByteBuffer[] headerAndData = {header, null};

  NbdReplies(SocketChannel channel) {
    this.channel = channel;
  }

  /** Success without data. */
  void ok(long handle) throws IOException {
    send(handle, 0, null);
  }

  /** Failure with an errno value; a simple reply never carries data after an error. */
  void error(long handle, int errno) throws IOException {
    send(handle, errno, null);
  }

  /** A successful read: the header, then every remaining byte of {@code data}. */
  void data(long handle, ByteBuffer data) throws IOException {
    send(handle, 0, data);
  }

  /** Success when {@code errno} is 0, otherwise failure; no data either way. */
  void send(long handle, int errno) throws IOException {
    send(handle, errno, null);
  }

  private void send(long handle, int error, ByteBuffer data) throws IOException {
    lock.lock();
    try {
      header.clear();
      header.putInt(SIMPLE_REPLY_MAGIC).putInt(error).putLong(handle).flip();
      if (data == null) {
        NbdWire.writeFully(channel, headerOnly);
      } else {
        headerAndData[1] = data;
        NbdWire.writeFully(channel, headerAndData);
        headerAndData[1] = null;
      }
    } finally {
      lock.unlock();
    }
  }
}
