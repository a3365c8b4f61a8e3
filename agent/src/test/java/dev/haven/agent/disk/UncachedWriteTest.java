package dev.haven.agent.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes that bypass the page cache (an initial copy's chunks) land in the image byte for byte like
 * any other, whether they can go straight to the device (aligned direct buffer, offset and length)
 * or fall back to the page cache (unaligned, or a heap buffer), mixed with ordinary writes and
 * reads; the image file's SHA-256 after a flush equals that of the bytes written.
 */
class UncachedWriteTest {
  private static final long SIZE = 8L * 1024 * 1024;

  @TempDir Path dir;

  @Test
  void R11_uncachedWritesLandInTheImageByteForByte() throws Exception {
    Path image = dir.resolve("disk-1.img");
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(SIZE);
    }
    byte[] expected = new byte[(int) SIZE];
    SplittableRandom random = new SplittableRandom(5);
    try (TrackedDisk disk = TrackedDisk.open(image, SIZE, "disk-1")) {
      // Aligned, from an aligned direct buffer: straight to the device where the file system
      // allows.
      ByteBuffer aligned = ByteBuffer.allocateDirect((1 << 20) + 4096).alignedSlice(4096);
      for (long offset = 0; offset < SIZE / 2; offset += 1 << 20) {
        byte[] data = bytes(random, 1 << 20);
        aligned.clear();
        aligned.put(data).flip();
        disk.writeUncached(offset, aligned);
        assertThat(aligned.hasRemaining()).isFalse();
        System.arraycopy(data, 0, expected, (int) offset, data.length);
      }
      // Unaligned offset and length, and a heap buffer: through the page cache.
      byte[] odd = bytes(random, 12345);
      disk.writeUncached(SIZE / 2 + 7, ByteBuffer.wrap(odd));
      System.arraycopy(odd, 0, expected, (int) (SIZE / 2 + 7), odd.length);
      ByteBuffer direct = ByteBuffer.allocateDirect(8192);
      byte[] shifted = bytes(random, 4096);
      direct.position(1).limit(1 + 4096);
      direct.put(shifted).position(1);
      disk.writeUncached(SIZE - 4096, direct);
      System.arraycopy(shifted, 0, expected, (int) (SIZE - 4096), 4096);
      // An ordinary write over part of an uncached one, then an uncached one over an ordinary one.
      byte[] over = bytes(random, 65536);
      disk.write(65536, ByteBuffer.wrap(over), false);
      System.arraycopy(over, 0, expected, 65536, over.length);
      byte[] again = bytes(random, 1 << 20);
      aligned.clear();
      aligned.put(again).flip();
      disk.writeUncached(0, aligned);
      System.arraycopy(again, 0, expected, 0, again.length);

      ByteBuffer read = ByteBuffer.allocate((int) SIZE);
      disk.read(0, read);
      assertThat(read.array()).isEqualTo(expected);
      disk.flush();
    }
    assertThat(sha256(Files.readAllBytes(image))).isEqualTo(sha256(expected));
  }

  private static byte[] bytes(SplittableRandom random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }
}
