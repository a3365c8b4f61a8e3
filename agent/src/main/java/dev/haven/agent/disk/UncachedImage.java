package dev.haven.agent.disk;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An image file opened a second time for writes that bypass the page cache (O_DIRECT), on first
 * use. A file system that refuses O_DIRECT (tmpfs and others) is asked once; every write that
 * cannot go this way (refused, a heap buffer, or not aligned to the file system's block size) is
 * for the caller's ordinary channel. Not thread-safe: the disk calls it under its lock.
 */
final class UncachedImage implements AutoCloseable {
  private final Path imageFile;
  private FileChannel channel;
  private int alignment;
  private boolean refused;

  UncachedImage(Path imageFile) {
    this.imageFile = imageFile;
  }

  /** The O_DIRECT channel if a write of {@code src} at {@code offset} can use it, else null. */
  FileChannel channelFor(long offset, ByteBuffer src) {
    if (refused || !src.isDirect()) {
      return null;
    }
    if (channel == null) {
      try {
        alignment = Math.toIntExact(Files.getFileStore(imageFile).getBlockSize());
        channel = FileChannel.open(imageFile, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
      } catch (IOException | RuntimeException e) {
        refused = true;
        return null;
      }
    }
    int a = alignment;
    boolean aligned =
        offset % a == 0 && src.remaining() % a == 0 && src.alignmentOffset(src.position(), a) == 0;
    return aligned ? channel : null;
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }
}
