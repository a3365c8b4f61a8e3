package dev.haven.agent.nbd;

import dev.haven.agent.disk.BlockDevice;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A test disk on a real sparse file. It counts what the server asked of it, so that tests can tell
 * FUA writes from plain ones, and it can be slowed down or made to fail on purpose.
 */
final class FileBlockDevice implements BlockDevice, Closeable {
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

  final AtomicInteger fuaWrites = new AtomicInteger();
  final AtomicInteger plainWrites = new AtomicInteger();
  final AtomicInteger flushes = new AtomicInteger();
  volatile long writeDelayMillis;
  volatile boolean failing;

  private final Path path;
  private final RandomAccessFile file;
  private final FileChannel channel;
  private final long size;

  private FileBlockDevice(Path path, long size) throws IOException {
    this.path = path;
    this.size = size;
    this.file = new RandomAccessFile(path.toFile(), "rw");
    file.setLength(size);
    this.channel = file.getChannel();
  }

  /** A new sparse file of {@code size} bytes at {@code path}. */
  static FileBlockDevice create(Path path, long size) throws IOException {
    return new FileBlockDevice(path, size);
  }

  Path path() {
    return path;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long offset, ByteBuffer dst) throws IOException {
    failIfAsked();
    long position = offset;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, position);
      if (n < 0) {
        throw new IOException("read past the end of " + path);
      }
      position += n;
    }
  }

  @Override
  public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
    failIfAsked();
    long delay = writeDelayMillis;
    if (delay > 0) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delay));
    }
    (fua ? fuaWrites : plainWrites).incrementAndGet();
    long position = offset;
    while (src.hasRemaining()) {
      position += channel.write(src, position);
    }
    if (fua) {
      channel.force(false);
    }
  }

  @Override
  public void writeZeroes(long offset, long length, boolean fua) throws IOException {
    failIfAsked();
    long done = 0;
    while (done < length) {
      ByteBuffer zeros = ZEROS.duplicate();
      zeros.limit((int) Math.min(zeros.capacity(), length - done));
      while (zeros.hasRemaining()) {
        done += channel.write(zeros, offset + done);
      }
    }
    if (fua) {
      channel.force(false);
    }
  }

  @Override
  public void trim(long offset, long length) throws IOException {
    writeZeroes(offset, length, false);
  }

  @Override
  public void flush() throws IOException {
    failIfAsked();
    flushes.incrementAndGet();
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    file.close();
  }

  private void failIfAsked() throws IOException {
    if (failing) {
      throw new IOException("injected device failure");
    }
  }
}
