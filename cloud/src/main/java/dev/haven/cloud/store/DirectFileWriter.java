package dev.haven.cloud.store;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Writes new files with direct I/O ({@code O_DIRECT}), which sends the bytes from an aligned buffer
 * to the device instead of copying them into the page cache first. The folder store writes every
 * object once and forces it at once, so the page cache only costs: measured on a 2-core VM, a
 * buffered write and force of 1 GiB of sealed chunks took about 2 CPU seconds in the kernel
 * (allocating, copying and writing back pages), the direct write about 0.3 s, the copy into the
 * aligned buffer included.
 *
 * <p>Direct I/O needs the buffer's address, the file position and each write's length to be
 * multiples of the file system's block size. Each object is therefore copied into a pooled aligned
 * buffer a segment at a time, the last segment zero-padded to a whole block, and the file truncated
 * to the object's length afterwards. A file system that refuses direct I/O (tmpfs on older kernels,
 * or a platform without it) makes {@link #write} fail, and the caller falls back to a buffered
 * write.
 */
final class DirectFileWriter implements NewFileWriter {
  /**
   * A segment holds a whole sealed 4 MiB chunk (4 MiB plus its header and tag) so that a chunk is
   * one write; larger objects go in several.
   */
  private static final int SEGMENT_BYTES = (4 << 20) + (64 << 10);

  /**
   * Idle buffers kept for reuse (one per upload thread of a base upload, about 33 MiB); more are
   * made while more puts run at once, and dropped after.
   */
  private static final int MAX_IDLE = 8;

  private static final byte[] ZEROS = new byte[64 << 10];

  private final int blockSize;
  private final ConcurrentLinkedQueue<ByteBuffer> idle = new ConcurrentLinkedQueue<>();

  DirectFileWriter(int blockSize) {
    if (blockSize <= 0 || Integer.bitCount(blockSize) != 1 || blockSize > ZEROS.length) {
      throw new IllegalArgumentException(
          "block size " + blockSize + " is not a power of two up to 64 KiB");
    }
    this.blockSize = blockSize;
  }

  /** A writer for files in {@code folder}, aligned to its file system's block size. */
  static DirectFileWriter forFolder(Path folder) throws IOException {
    long size = Files.getFileStore(folder).getBlockSize();
    return new DirectFileWriter((int) Math.max(4096, Math.min(size, 64 << 10)));
  }

  @Override
  public void write(Path file, byte[] data) throws IOException {
    ByteBuffer buffer = take();
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            ExtendedOpenOption.DIRECT)) {
      int done = 0;
      while (done < data.length) {
        int n = Math.min(SEGMENT_BYTES, data.length - done);
        int padded = (n + blockSize - 1) & -blockSize;
        buffer.clear();
        buffer.put(data, done, n);
        // Zero the padding: it is cut off again, but no stale bytes should reach the device.
        buffer.put(ZEROS, 0, padded - n);
        buffer.flip();
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        done += n;
      }
      if (channel.size() != data.length) {
        channel.truncate(data.length);
      }
      // The data is on the device already, but its allocation, the file's size and the device's
      // write cache still need the force before the object counts as durable.
      channel.force(true);
    } catch (UnsupportedOperationException e) {
      throw new IOException("direct I/O is not supported here: " + e.getMessage(), e);
    } finally {
      give(buffer);
    }
  }

  private ByteBuffer take() {
    ByteBuffer buffer = idle.poll();
    return buffer != null
        ? buffer
        : ByteBuffer.allocateDirect(SEGMENT_BYTES + blockSize).alignedSlice(blockSize);
  }

  private void give(ByteBuffer buffer) {
    if (idle.size() < MAX_IDLE) {
      idle.offer(buffer);
    }
  }
}
