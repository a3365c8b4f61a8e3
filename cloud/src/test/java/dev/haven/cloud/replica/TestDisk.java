package dev.haven.cloud.replica;

import dev.haven.cloud.layout.Extent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * A source disk for tests: a real sparse file whose writes are also kept as the extents of the
 * change log being filled, as the agent's tracker would log them.
 */
final class TestDisk implements DiskReader {
  final Path file;
  final long size;
  private final Random random;
  private List<Extent> log = new ArrayList<>();

  TestDisk(Path file, long size, long seed) throws IOException {
    this.file = file;
    this.size = size;
    this.random = new Random(seed);
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(1), size - 1);
    }
  }

  /** Writes random bytes at {@code offset} and logs them. */
  void writeRandom(long offset, int length) throws IOException {
    byte[] data = new byte[length];
    random.nextBytes(data);
    write(offset, data);
  }

  void write(long offset, byte[] data) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(data), offset);
    }
    log.add(Extent.of(offset, data));
  }

  void writeZeros(long offset, int length) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(length), offset);
    }
    log.add(Extent.zeros(offset, length));
  }

  /** Seals the current log: returns its extents and starts a new one. */
  List<Extent> seal() {
    List<Extent> sealed = log;
    log = new ArrayList<>();
    return sealed;
  }

  @Override
  public void read(long offset, byte[] into, int length) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.wrap(into, 0, length);
      while (buffer.hasRemaining()) {
        if (ch.read(buffer, offset + buffer.position()) < 0) {
          throw new IOException("short read");
        }
      }
    }
  }

  String sha256() throws Exception {
    return sha256(file);
  }

  static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 20];
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
