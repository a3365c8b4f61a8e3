package dev.haven.agent.disk;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A read-only view of a disk's contents, as a copier reads it: the live disk, or the disk as it was
 * at one point in time ({@link CopySnapshot}).
 */
public interface DiskView {

  /** The disk's size in bytes. */
  long size();

  /** Reads {@code dst.remaining()} bytes at {@code offset}; holes read as zeros. */
  void read(long offset, ByteBuffer dst) throws IOException;
}
