package dev.haven.agent.replication;

import dev.haven.agent.disk.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The disk of a test-failover VM (R27): a copy-on-write overlay over a {@link PointView} of the
 * replica at a recovery point. Blocks the test VM writes go to its own sparse image and are marked
 * in a bitmap file (one bit per 4 KiB block); every other block is read through the point view.
 * Nothing is copied when the VM starts, so it starts in the same time whatever the disk's size, and
 * the replica is never written.
 */
final class OverlayDisk implements BlockDevice, AutoCloseable {
  static final int BLOCK = 4096;
  private static final int CHUNK = 1 << 20;

  private final PointView base;
  private final BlockDevice changed;
  private final FileChannel bitmap;
  private final byte[] bits;

  OverlayDisk(PointView base, BlockDevice changed, Path bitmapFile) throws IOException {
    this.base = base;
    this.changed = changed;
    this.bitmap =
        FileChannel.open(
            bitmapFile,
            StandardOpenOption.CREATE,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    long blocks = (base.size() + BLOCK - 1) / BLOCK;
    this.bits = new byte[(int) ((blocks + 7) / 8)];
    ByteBuffer in = ByteBuffer.wrap(bits);
    while (in.hasRemaining() && bitmap.read(in, in.position()) > 0) {
      // Reads what an earlier run of the test VM marked; a new file reads nothing.
    }
  }

  @Override
  public long size() {
    return base.size();
  }

  private synchronized boolean isChanged(long block) {
    return (bits[(int) (block >>> 3)] & (1 << (block & 7))) != 0;
  }

  @Override
  public void read(long offset, ByteBuffer dst) throws IOException {
    long end = offset + dst.remaining();
    long at = offset;
    while (at < end) {
      // A run of blocks that all come from the same side.
      boolean mine = isChanged(at / BLOCK);
      long runEnd = Math.min(end, (at / BLOCK + 1) * BLOCK);
      while (runEnd < end && isChanged(runEnd / BLOCK) == mine) {
        runEnd = Math.min(end, runEnd + BLOCK);
      }
      ByteBuffer part = dst.slice(dst.position(), (int) (runEnd - at));
      if (mine) {
        changed.read(at, part);
      } else {
        base.read(at, part);
      }
      dst.position(dst.position() + (int) (runEnd - at));
      at = runEnd;
    }
  }

  @Override
  public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
    long end = offset + src.remaining();
    long first = offset / BLOCK * BLOCK;
    long last = Math.min(size(), (end + BLOCK - 1) / BLOCK * BLOCK);
    // Whole blocks only: a partial block is first filled with what the VM sees there now.
    ByteBuffer whole = ByteBuffer.allocate((int) (last - first));
    if (first != offset || last != end) {
      read(first, whole.duplicate());
    }
    whole.position((int) (offset - first));
    whole.put(src);
    whole.clear();
    changed.write(first, whole, false);
    mark(first / BLOCK, (last - first) / BLOCK);
    if (fua) {
      flush();
    }
  }

  @Override
  public void writeZeroes(long offset, long length, boolean fua) throws IOException {
    for (long at = offset; at < offset + length; at += CHUNK) {
      int n = (int) Math.min(CHUNK, offset + length - at);
      write(at, ByteBuffer.allocate(n), false);
    }
    if (fua) {
      flush();
    }
  }

  /** Trimmed blocks may read back as anything, so the overlay keeps what it has. */
  @Override
  public void trim(long offset, long length) {}

  @Override
  public void flush() throws IOException {
    changed.flush();
    bitmap.force(false);
  }

  private synchronized void mark(long firstBlock, long count) throws IOException {
    int firstByte = (int) (firstBlock >>> 3);
    int lastByte = (int) ((firstBlock + count - 1) >>> 3);
    for (long b = firstBlock; b < firstBlock + count; b++) {
      bits[(int) (b >>> 3)] |= (byte) (1 << (b & 7));
    }
    // Both are forced together at the next flush; an unflushed write may be lost either way.
    bitmap.write(ByteBuffer.wrap(bits, firstByte, lastByte - firstByte + 1), firstByte);
  }

  @Override
  public void close() throws IOException {
    bitmap.close();
  }
}
