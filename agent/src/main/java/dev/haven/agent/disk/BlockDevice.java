package dev.haven.agent.disk;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A virtual disk as a guest sees it: a fixed number of bytes that can be read, written, zeroed,
 * trimmed and flushed. The NBD server serves one of these per export; the agent's implementation
 * writes every change to the image and to the disk's change log.
 *
 * <p>Durability contract: when {@link #flush()} returns, or a write with {@code fua} returns, every
 * write acknowledged before it survives a crash of the agent. Implementations are safe for
 * concurrent use by several connections.
 */
public interface BlockDevice extends DiskView {

  /** The disk's size in bytes. */
  @Override
  long size();

  /** Reads {@code dst.remaining()} bytes at {@code offset}; holes read as zeros. */
  @Override
  void read(long offset, ByteBuffer dst) throws IOException;

  /** Writes {@code src.remaining()} bytes at {@code offset}; durable on return if {@code fua}. */
  void write(long offset, ByteBuffer src, boolean fua) throws IOException;

  /** Makes {@code length} bytes at {@code offset} read as zeros; durable on return if fua. */
  void writeZeroes(long offset, long length, boolean fua) throws IOException;

  /**
   * Tells the disk that {@code length} bytes at {@code offset} are no longer needed. Haven's disks
   * turn a trim into zeros, so that source and replica stay byte-identical.
   */
  void trim(long offset, long length) throws IOException;

  /** Makes every acknowledged write durable. */
  void flush() throws IOException;
}
