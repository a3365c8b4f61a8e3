package dev.haven.agent.disk;

import dev.haven.agent.changelog.ChangeLogWriter;
import dev.haven.agent.changelog.DiskChangeLogs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A raw image file whose every change is also recorded in the disk's change log.
 *
 * <p>A write appends its record to the live log and then writes the image, both under the log's
 * lock, so the image and the log see writes in the same order and a seal falls between two writes;
 * a write the image refuses (a full disk) is taken out of the log again. Reads take no lock.
 *
 * <p>The live log is the disk's write-ahead log: on open it is replayed onto the image, so a logged
 * write that a crash kept from the image is redone there and source and replica agree. That is why
 * {@link #flush()} forces only the log while every write since the image was last forced is in the
 * live log (one fdatasync per flush instead of two); the image itself is forced before a seal or a
 * restart takes records out of the live log, on close, and whenever a write went to the image
 * without a record (the disk not tracked).
 */
public final class TrackedDisk implements BlockDevice, AutoCloseable {
  private final FileChannel image;
  private final Path imageFile;
  private final long size;
  private final DiskChangeLogs logs;
  private final ReentrantLock lock;
  private final AtomicBoolean imageUnsynced = new AtomicBoolean();
  private final SnapshotSlot snapshots;

  /** The block hashes a resync keeps of this disk, once one asked (written under the lock). */
  private volatile BlockHashCache hashCache;

  // The image opened for writes that bypass the page cache; used under the lock.
  private final UncachedImage uncached;

  private TrackedDisk(FileChannel image, Path imageFile, long size, DiskChangeLogs logs)
      throws IOException {
    this.image = image;
    this.imageFile = imageFile;
    this.size = size;
    this.logs = logs;
    this.lock = logs.lock();
    this.snapshots = SnapshotSlot.open(image, imageFile, size, lock);
    this.uncached = new UncachedImage(imageFile);
  }

  /** Opens the image of {@code diskId} and its change logs, which live in the same folder. */
  public static TrackedDisk open(Path imageFile, long size, String diskId) throws IOException {
    FileChannel image =
        FileChannel.open(imageFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      DiskChangeLogs logs =
          DiskChangeLogs.open(
              imageFile.toAbsolutePath().getParent(),
              diskId,
              entry -> ImageFile.apply(image, entry),
              () -> image.force(false));
      image.force(false);
      return new TrackedDisk(image, imageFile, size, logs);
    } catch (IOException | RuntimeException e) {
      image.close();
      throw e;
    }
  }

  /**
   * Begins a point-in-time view of the disk for its initial copy, which reads it from {@code
   * fromOffset} (a chunk boundary) on: from now until the view is closed, the first write to each
   * block the copier has not read yet keeps the block's old contents for it. One view at a time.
   */
  public CopySnapshot beginSnapshot(long fromOffset) {
    return beginSnapshot(fromOffset, CopySnapshot.DEFAULT_MEMORY_BYTES);
  }

  /** As above, keeping at most {@code memoryBytes} of old blocks in memory. */
  public CopySnapshot beginSnapshot(long fromOffset, long memoryBytes) {
    return snapshots.begin(fromOffset, memoryBytes);
  }

  /**
   * The cache of this disk's block hashes for blocks of {@code blockSize}, made on first use and
   * kept exact by every write from then on (see {@link BlockHashCache}); a new, empty one when the
   * block size changes. It is made under the write lock, so no write is half done when it starts.
   */
  public BlockHashCache blockHashes(int blockSize) {
    lock.lock();
    try {
      BlockHashCache cache = hashCache;
      if (cache == null || cache.blockSize() != blockSize) {
        cache = new BlockHashCache(imageFile, size, blockSize);
        hashCache = cache;
      }
      return cache;
    } finally {
      lock.unlock();
    }
  }

  /** The change logs that this disk writes to. */
  public DiskChangeLogs logs() {
    return logs;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long offset, ByteBuffer dst) throws IOException {
    ImageFile.checkRange(size, offset, dst.remaining());
    ImageFile.read(image, offset, dst);
  }

  @Override
  public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
    writeData(offset, src, false);
    if (fua) {
      flush();
    }
  }

  @Override
  public void writeZeroes(long offset, long length, boolean fua) throws IOException {
    ImageFile.checkRange(size, offset, length);
    if (length == 0) {
      return;
    }
    change(
        offset,
        length,
        () -> {
          logs.appendZero(offset, length);
          ImageFile.zeroRange(image, offset, length);
        });
    if (fua) {
      flush();
    }
  }

  /**
   * Writes like {@link #write} without fua, but straight to the device rather than through the page
   * cache (O_DIRECT) when the file system allows it and {@code src} (a direct buffer), {@code
   * offset} and the length are aligned to its block size; otherwise exactly as {@link #write}. For
   * bulk writes that nothing reads back soon, such as an initial copy's chunks: they skip the
   * kernel's copy into the page cache (a fifth of a 2 GiB copy's CPU here, fresh pages being costly
   * on this virtual machine) and its later write-back, so forcing the image afterwards has little
   * left to write. Durability is as for {@link #write}: a {@link #flush} makes it durable.
   */
  public void writeUncached(long offset, ByteBuffer src) throws IOException {
    writeData(offset, src, true);
  }

  /** A data write, through the O_DIRECT channel when {@code uncachedIfAligned} and it can. */
  private void writeData(long offset, ByteBuffer src, boolean uncachedIfAligned)
      throws IOException {
    int length = src.remaining();
    ImageFile.checkRange(size, offset, length);
    change(
        offset,
        length,
        () -> {
          logs.appendData(offset, src);
          FileChannel direct = uncachedIfAligned ? uncached.channelFor(offset, src) : null;
          ImageFile.writeFully(direct != null ? direct : image, src, offset);
        });
    // Like a channel write, the write consumes the buffer.
    src.position(src.limit());
  }

  /** One change of the image: its log record and its image write. */
  private interface Change {
    void apply() throws IOException;
  }

  /**
   * Applies {@code change} of {@code length} bytes at {@code offset} under the lock, after the
   * snapshot kept the old blocks and with the hash cache told before and after; a change the image
   * refuses is taken out of the log again.
   */
  private void change(long offset, long length, Change change) throws IOException {
    lock.lock();
    BlockHashCache cache = hashCache;
    try {
      snapshots.preserve(offset, length);
      if (cache != null) {
        cache.beginWrite(offset, length);
      }
      ChangeLogWriter.Mark mark = logs.mark();
      try {
        change.apply();
      } catch (IOException e) {
        rollback(mark, e);
        throw e;
      }
      noteUnlogged(mark);
    } finally {
      if (cache != null) {
        cache.endWrite(offset, length);
      }
      lock.unlock();
    }
  }

  /** A write without a record (no mark: the disk is not tracked) is durable only in the image. */
  private void noteUnlogged(ChangeLogWriter.Mark mark) {
    if (mark == null) {
      imageUnsynced.set(true);
    }
  }

  private void rollback(ChangeLogWriter.Mark mark, IOException cause) {
    try {
      logs.rollback(mark);
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }

  @Override
  public void trim(long offset, long length) throws IOException {
    writeZeroes(offset, length, false);
  }

  @Override
  public void flush() throws IOException {
    // The flag is cleared before the force, so an unlogged write that lands during the force
    // sets it again for the next flush instead of being lost between the two.
    if (imageUnsynced.getAndSet(false)) {
      try {
        image.force(false);
      } catch (IOException e) {
        imageUnsynced.set(true);
        throw e;
      }
    }
    logs.force();
  }

  /**
   * Flushes and closes the image and the logs; the image is forced too, for readers of the file.
   */
  @Override
  public void close() throws IOException {
    try {
      flush();
      image.force(false);
    } finally {
      try {
        logs.close();
      } finally {
        try {
          uncached.close();
        } finally {
          image.close();
        }
      }
    }
  }
}
