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
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
