package dev.haven.agent.disk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A copy-on-write, point-in-time view of a disk for its initial copy (R11): the disk as it was when
 * the snapshot began, while guest writes go on.
 *
 * <p>The disk calls {@link #preserve} under its write lock before a write changes the image: every
 * block of the range that the copier has not read yet and that was not preserved already has its
 * current (snapshot-time) contents kept, in memory up to a bound and beyond it in a spill file
 * beside the image. The copier reads through {@link #read}: it reads the live image without a lock,
 * then, under the disk's lock, lays the preserved blocks of the range over what it read and marks
 * the range as read, which frees those blocks. A write that lands while the copier reads the image
 * was preserved before it changed the image, so the overlay hides any torn read.
 *
 * <p>The snapshot lives in memory and in a scratch file: it does not survive a restart of the
 * agent. A copy resumed after a restart takes a new snapshot from its resume point (see
 * docs/architecture.md for why that is safe: the change log since replication started covers every
 * block that changed between the two snapshots). If preserving fails (the spill file's disk is
 * full), the guest write still proceeds and the snapshot is broken: the copier's next read fails
 * with an error that says so, and the retried copy takes a new snapshot.
 */
public final class CopySnapshot implements DiskView, AutoCloseable {
  /** Preservation granularity: a guest write preserves whole blocks of this size. */
  public static final int BLOCK = 64 * 1024;

  /** Default bound on preserved bytes kept in memory before blocks go to the spill file. */
  public static final long DEFAULT_MEMORY_BYTES =
      Long.getLong("haven.copy.snapshotMemoryBytes", 64L * 1024 * 1024);

  private final FileChannel image;
  private final long size;
  private final ReentrantLock lock;
  private final Path spillPath;
  private final long memoryBound;
  private final Runnable onClose;
  // Guarded by lock.
  private final BitSet read = new BitSet();
  private final Map<Long, byte[]> inMemory = new HashMap<>();
  private final Map<Long, Long> spilled = new HashMap<>();
  private final ArrayDeque<Long> freeSlots = new ArrayDeque<>();
  private FileChannel spill;
  private long spillEnd;
  private long memoryBytes;
  private long preservedTotal;
  private String broken;
  private boolean closed;

  CopySnapshot(
      FileChannel image,
      long size,
      ReentrantLock lock,
      Path spillPath,
      long memoryBound,
      long fromOffset,
      Runnable onClose) {
    this.image = image;
    this.size = size;
    this.lock = lock;
    this.spillPath = spillPath;
    this.memoryBound = memoryBound;
    this.onClose = onClose;
    // Blocks before the copy's start are not read again: no write there needs preserving.
    read.set(0, (int) Math.min(blockCount(), fromOffset / BLOCK));
  }

  private long blockCount() {
    return (size + BLOCK - 1) / BLOCK;
  }

  private int blockLength(long block) {
    return (int) Math.min(BLOCK, size - block * BLOCK);
  }

  @Override
  public long size() {
    return size;
  }

  /** Bytes preserved since the snapshot began (for tests and logs). */
  public long preservedBytes() {
    lock.lock();
    try {
      return preservedTotal;
    } finally {
      lock.unlock();
    }
  }

  /** Bytes of preserved blocks currently held in the spill file. */
  public long spilledBytes() {
    lock.lock();
    try {
      return (long) spilled.size() * BLOCK;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Keeps the current contents of every unread, unpreserved block of the range. Called with the
   * disk's lock held, before the image changes. Never throws: a failure breaks the snapshot instead
   * of failing the guest's write.
   */
  void preserve(long offset, long length) {
    if (closed || broken != null || length <= 0) {
      return;
    }
    long first = offset / BLOCK;
    long last = (offset + length - 1) / BLOCK;
    try {
      for (long block = first; block <= last; block++) {
        if (!read.get((int) block) && !inMemory.containsKey(block) && !spilled.containsKey(block)) {
          keep(block);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      broken = "preserving a block for the point-in-time copy failed: " + e.getMessage();
      dropAll();
    }
  }

  private void keep(long block) throws IOException {
    int length = blockLength(block);
    ByteBuffer old = ByteBuffer.allocate(length);
    ImageFile.read(image, block * BLOCK, old);
    preservedTotal += length;
    if (memoryBytes + length <= memoryBound) {
      inMemory.put(block, old.array());
      memoryBytes += length;
      return;
    }
    if (spill == null) {
      spill =
          FileChannel.open(
              spillPath,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
    }
    Long slot = freeSlots.poll();
    long at = slot != null ? slot : spillEnd;
    old.flip();
    while (old.hasRemaining()) {
      spill.write(old, at + old.position());
    }
    if (slot == null) {
      spillEnd += BLOCK;
    }
    spilled.put(block, at);
  }

  /**
   * Reads the disk as it was when the snapshot began. {@code offset} must start a block; the range
   * counts as read afterwards (its preserved blocks are freed), so every range is read once, as a
   * copier does.
   */
  @Override
  public void read(long offset, ByteBuffer dst) throws IOException {
    if (offset % BLOCK != 0) {
      throw new IllegalArgumentException("a snapshot read starts at a block, not at " + offset);
    }
    int start = dst.position();
    int length = dst.remaining();
    if (offset < 0 || offset > size - length) {
      throw new IllegalArgumentException(
          "range at " + offset + " of " + length + " bytes is outside the disk's " + size);
    }
    ImageFile.read(image, offset, dst);
    lock.lock();
    try {
      if (broken != null) {
        throw new IOException(broken + "; copy the disk again to take a new snapshot");
      }
      if (closed) {
        throw new IllegalStateException("the snapshot is closed");
      }
      long end = offset + length;
      for (long block = offset / BLOCK; block * BLOCK < end; block++) {
        long blockStart = block * BLOCK;
        int inRange = (int) Math.min(blockLength(block), end - blockStart);
        byte[] kept = inMemory.remove(block);
        Long slot = spilled.remove(block);
        if (kept != null) {
          memoryBytes -= kept.length;
          dst.put(start + (int) (blockStart - offset), kept, 0, inRange);
        } else if (slot != null) {
          ByteBuffer target = dst.duplicate();
          target.position(start + (int) (blockStart - offset)).limit(target.position() + inRange);
          while (target.hasRemaining()) {
            if (spill.read(target, slot + target.position() - start - (blockStart - offset)) < 0) {
              throw new IOException("the snapshot's spill file " + spillPath + " is short");
            }
          }
          freeSlots.push(slot);
        }
        if (inRange == blockLength(block)) {
          read.set((int) block);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void dropAll() {
    inMemory.clear();
    spilled.clear();
    freeSlots.clear();
    memoryBytes = 0;
    closeSpill();
  }

  private void closeSpill() {
    if (spill != null) {
      try {
        spill.close();
      } catch (IOException ignored) {
        // Only scratch data was in it.
      }
      spill = null;
    }
    try {
      Files.deleteIfExists(spillPath);
    } catch (IOException ignored) {
      // A stale spill file is removed when the disk is opened next.
    }
  }

  /** Ends the snapshot: preserved blocks are dropped and the spill file is deleted. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      dropAll();
    } finally {
      lock.unlock();
    }
    onClose.run();
  }
}
