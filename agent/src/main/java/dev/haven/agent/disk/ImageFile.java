package dev.haven.agent.disk;

import dev.haven.agent.changelog.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional I/O on a raw image file: whole reads and writes, and zeroing that keeps it sparse. */
final class ImageFile {
  private static final int ZERO_PIECE = 1 << 20;
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_PIECE).asReadOnlyBuffer();

  private ImageFile() {}

  /** Throws unless {@code length} bytes at {@code offset} lie within a disk of {@code size}. */
  static void checkRange(long size, long offset, long length) {
    if (offset < 0 || length < 0 || offset > size - length) {
      throw new IllegalArgumentException(
          "range at "
              + offset
              + " of "
              + length
              + " bytes is outside the disk's "
              + size
              + " bytes");
    }
  }

  /** Fills {@code dst} from {@code offset}; bytes past the end of a shorter file read as zeros. */
  static void read(FileChannel image, long offset, ByteBuffer dst) throws IOException {
    long pos = offset;
    while (dst.hasRemaining()) {
      int n = image.read(dst, pos);
      if (n < 0) {
        while (dst.hasRemaining()) {
          dst.put((byte) 0);
        }
        return;
      }
      pos += n;
    }
  }

  /** Writes all of {@code src} at {@code offset}, leaving {@code src}'s position alone. */
  static void writeFully(FileChannel channel, ByteBuffer src, long offset) throws IOException {
    ByteBuffer buffer = src.duplicate();
    long pos = offset;
    while (buffer.hasRemaining()) {
      pos += channel.write(buffer, pos);
    }
  }

  /**
   * Makes a range read as zeros. Pieces that already read as zeros (holes of a sparse image, most
   * often) are left alone, so zeroing keeps images sparse.
   */
  static void zeroRange(FileChannel image, long offset, long length) throws IOException {
    ByteBuffer current = ByteBuffer.allocate((int) Math.min(length, ZERO_PIECE));
    long pos = offset;
    long end = offset + length;
    while (pos < end) {
      int piece = (int) Math.min(end - pos, ZERO_PIECE);
      current.clear().limit(piece);
      while (current.hasRemaining() && image.read(current, pos + current.position()) >= 0) {
        // Keep reading until the piece is full or the file ends.
      }
      current.flip();
      if (!Zeros.isAllZero(current)) {
        ByteBuffer zeros = ZEROS.duplicate();
        zeros.limit(piece);
        writeFully(image, zeros, pos);
      }
      pos += piece;
    }
  }

  /** Redoes a change-log record on the image: the live log's replay when a disk opens. */
  static void apply(FileChannel image, LogEntry entry) {
    try {
      if (entry.zero()) {
        zeroRange(image, entry.offset(), entry.length());
      } else {
        writeFully(image, ByteBuffer.wrap(entry.data()), entry.offset());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
