package dev.haven.agent.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one point-in-time view ({@link CopySnapshot}) a disk may have open for its initial copy, and
 * the file where that view keeps old blocks beyond its memory bound. Writes tell it, under the
 * disk's lock, before they change the image.
 */
final class SnapshotSlot {
  private final FileChannel image;
  private final long size;
  private final ReentrantLock lock;
  private final Path spillFile;
  // Written under the lock; read under it by the write path.
  private CopySnapshot snapshot;

  /**
   * The slot of the image {@code imageFile}. A snapshot does not outlive the agent (a copy resumed
   * after a restart takes a new one), so a spill file left by an earlier run is deleted.
   */
  static SnapshotSlot open(FileChannel image, Path imageFile, long size, ReentrantLock lock)
      throws IOException {
    Path spillFile = spillFileOf(imageFile);
    Files.deleteIfExists(spillFile);
    return new SnapshotSlot(image, size, lock, spillFile);
  }

  private SnapshotSlot(FileChannel image, long size, ReentrantLock lock, Path spillFile) {
    this.image = image;
    this.size = size;
    this.lock = lock;
    this.spillFile = spillFile;
  }

  /** Where the snapshot of {@code imageFile} keeps blocks beyond its memory bound. */
  static Path spillFileOf(Path imageFile) {
    return imageFile.resolveSibling(imageFile.getFileName() + ".cow");
  }

  /** Opens the view (see {@link TrackedDisk#beginSnapshot(long, long)}). */
  CopySnapshot begin(long fromOffset, long memoryBytes) {
    lock.lock();
    try {
      if (snapshot != null) {
        throw new IllegalStateException("a point-in-time view of this disk is already open");
      }
      CopySnapshot[] opened = new CopySnapshot[1];
      opened[0] =
          new CopySnapshot(
              image, size, lock, spillFile, memoryBytes, fromOffset, () -> end(opened[0]));
      snapshot = opened[0];
      return snapshot;
    } finally {
      lock.unlock();
    }
  }

  /** Called under the lock before a write changes {@code length} bytes at {@code offset}. */
  void preserve(long offset, long length) {
    if (snapshot != null) {
      snapshot.preserve(offset, length);
    }
  }

  private void end(CopySnapshot ended) {
    lock.lock();
    try {
      if (snapshot == ended) {
        snapshot = null;
      }
    } finally {
      lock.unlock();
    }
  }
}
