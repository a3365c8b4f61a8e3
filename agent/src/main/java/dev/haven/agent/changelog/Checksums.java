package dev.haven.agent.changelog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.CRC32C;

/**
 * The checksums of Haven's data plane, in one place so that source and target compute them the same
 * way: CRC32C over the data of a record or chunk, and the SHA-256 digest of a change log, which
 * covers every field of every record in order.
 */
public final class Checksums {
  private Checksums() {}

  /** CRC32C of the remaining bytes of {@code data}; the buffer's position is left unchanged. */
  public static int crc32c(ByteBuffer data) {
    CRC32C crc = new CRC32C();
    crc.update(data.duplicate());
    return (int) crc.getValue();
  }

  public static int crc32c(byte[] data) {
    return crc32c(ByteBuffer.wrap(data));
  }

  /** A fresh SHA-256 digest. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /**
   * Adds one record to a log digest: offset, length, zero flag and CRC32C (big-endian), then the
   * data. Zero records have no data.
   */
  public static void addRecord(
      MessageDigest digest, long offset, int length, boolean zero, int crc32c, ByteBuffer data) {
    ByteBuffer fields = ByteBuffer.allocate(17);
    fields.putLong(offset).putInt(length).put((byte) (zero ? 1 : 0)).putInt(crc32c).flip();
    digest.update(fields);
    if (data != null) {
      digest.update(data.duplicate());
    }
  }

  /** SHA-256 of a whole file (a sparse one's holes read as zeros), in lower-case hex. */
  public static String sha256(Path file) throws IOException {
    MessageDigest digest = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 20];
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
    }
    return hex(digest.digest());
  }

  /** Lower-case hex of {@code bytes}. */
  public static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.toString();
  }
}
