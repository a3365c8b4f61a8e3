package dev.haven.cloud.replica;

import java.io.IOException;

/** Reads a disk's bytes for upload: the agent's point-in-time view, or a file in tests. */
public interface DiskReader {

  /** Fills {@code into[0..length)} with the disk's bytes at {@code offset}. */
  void read(long offset, byte[] into, int length) throws IOException;
}
