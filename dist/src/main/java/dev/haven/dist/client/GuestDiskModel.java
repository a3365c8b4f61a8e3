package dev.haven.dist.client;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a guest's disk must hold after the writes a test or the demo made through NBD: an
 * independent record of every byte, so that a replica's hash is checked against what the guest
 * wrote and not only against another copy made by Haven.
 */
public final class GuestDiskModel {
  private final byte[] bytes;

  public GuestDiskModel(int sizeBytes) {
    this.bytes = new byte[sizeBytes];
  }

  /** Records a write of {@code length} bytes of {@code pattern} at {@code offset}. */
  public void fill(long offset, int length, int pattern) {
    java.util.Arrays.fill(bytes, (int) offset, (int) offset + length, (byte) pattern);
  }

  public int size() {
    return bytes.length;
  }

  /** SHA-256 of the whole disk as the guest wrote it, in hex. */
  public String sha256() {
    return sha256(0, bytes.length);
  }

  /** SHA-256 of {@code length} bytes at {@code offset}, in hex: one chunk of the disk. */
  public String sha256(int offset, int length) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes, offset, length);
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
