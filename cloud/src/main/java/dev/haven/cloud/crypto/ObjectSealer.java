package dev.haven.cloud.crypto;

import com.github.luben.zstd.Zstd;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals objects with AES-256-GCM under one protected item's data key, compressing first when that
 * makes the object smaller.
 *
 * <p>A sealed object is {@code [version=1][codec][12-byte nonce][ciphertext + 16-byte tag]}. The
 * codec byte is 0 for raw and 1 for zstd (the plaintext then is a 4-byte length and a zstd frame).
 * The nonce is fresh and random for every seal, so re-uploading the same bytes never reuses one.
 * The associated data is the two header bytes and the object's key, so an object copied or renamed
 * to another key, or with its codec byte flipped, fails authentication instead of being read.
 *
 * <p>Compression is decided cheaply: a 64 KiB sample is compressed at zstd level 1 first, and the
 * whole object only when the sample shrank by at least 1/16; the compressed form is kept only when
 * it is smaller. Random or already-compressed data so costs one small sample per object.
 */
public final class ObjectSealer {
  public static final int OVERHEAD = 2 + 12 + 16;
  private static final byte VERSION = 1;
  private static final byte RAW = 0;
  private static final byte ZSTD = 1;
  private static final int SAMPLE = 64 << 10;
  private static final int SEGMENT = 8 << 10;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKey key;

  public ObjectSealer(SecretKey key) {
    this.key = key;
  }

  /**
   * Seals and opens 64 MiB with a throwaway key, so that the JIT compiles AES-GCM's fast path
   * before real objects go through it. A long-running agent calls it once at start (in the
   * background); without it the first tens of MiB go at a few tens of MB/s.
   */
  public static void warmUp() {
    ObjectSealer sealer = new ObjectSealer(VaultKeyring.randomKey());
    byte[] data = new byte[4 << 20];
    RANDOM.nextBytes(data);
    try {
      for (int i = 0; i < 16; i++) {
        sealer.open("warm-up", sealer.seal("warm-up", data));
      }
    } catch (ObjectRefusedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Seals {@code plaintext} for storage under {@code objectKey}. */
  public byte[] seal(String objectKey, byte[] plaintext) {
    byte codec = RAW;
    byte[] body = plaintext;
    if (worthCompressing(plaintext)) {
      byte[] packed = Zstd.compress(plaintext, 3);
      if (packed.length + 4 < plaintext.length) {
        codec = ZSTD;
        body = ByteBuffer.allocate(4 + packed.length).putInt(plaintext.length).put(packed).array();
      }
    }
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(aad(objectKey, codec));
      byte[] out = new byte[2 + 12 + cipher.getOutputSize(body.length)];
      out[0] = VERSION;
      out[1] = codec;
      System.arraycopy(nonce, 0, out, 2, 12);
      crypt(cipher, body, 0, body.length, out, 14);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available: " + e, e);
    }
  }

  /**
   * Opens an object stored under {@code objectKey}; throws {@link ObjectRefusedException} naming
   * the object when it is not what this key sealed under that name.
   */
  public byte[] open(String objectKey, byte[] sealed) throws ObjectRefusedException {
    if (sealed.length < OVERHEAD) {
      throw new ObjectRefusedException(objectKey, "it is " + sealed.length + " bytes, too short");
    }
    if (sealed[0] != VERSION || (sealed[1] != RAW && sealed[1] != ZSTD)) {
      throw new ObjectRefusedException(
          objectKey, "unknown format " + sealed[0] + "/" + sealed[1] + " (not a Haven object?)");
    }
    byte[] body;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 2, 12));
      cipher.updateAAD(aad(objectKey, sealed[1]));
      body = new byte[cipher.getOutputSize(sealed.length - 14)];
      int n = crypt(cipher, sealed, 14, sealed.length - 14, body, 0);
      if (n != body.length) {
        body = java.util.Arrays.copyOf(body, n);
      }
    } catch (AEADBadTagException e) {
      throw new ObjectRefusedException(
          objectKey,
          "authentication failed: a wrong key, or the object was altered or moved from another key");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available: " + e, e);
    }
    if (sealed[1] == RAW) {
      return body;
    }
    ByteBuffer in = ByteBuffer.wrap(body);
    int length = in.getInt();
    byte[] plain = Zstd.decompress(java.util.Arrays.copyOfRange(body, 4, body.length), length);
    if (plain.length != length) {
      throw new ObjectRefusedException(objectKey, "its zstd frame does not hold " + length + " B");
    }
    return plain;
  }

  /**
   * Runs {@code cipher} over the input in 8 KiB updates. One call per 4 MiB object would leave JDK
   * 17's AES-GCM in its slow Java form for gigabytes: its AVX-512 intrinsic is used only once the
   * per-update method is compiled, which takes thousands of calls (measured: about 25 MB/s with one
   * call per object, 1-2 GB/s with 8 KiB updates after the first 64 MB).
   */
  private static int crypt(Cipher cipher, byte[] in, int offset, int length, byte[] out, int at)
      throws GeneralSecurityException {
    int written = 0;
    int done = 0;
    while (length - done > SEGMENT) {
      written += cipher.update(in, offset + done, SEGMENT, out, at + written);
      done += SEGMENT;
    }
    return written + cipher.doFinal(in, offset + done, length - done, out, at + written);
  }

  private static boolean worthCompressing(byte[] plaintext) {
    if (plaintext.length < 64) {
      return false;
    }
    int n = Math.min(SAMPLE, plaintext.length);
    byte[] sample = n == plaintext.length ? plaintext : java.util.Arrays.copyOf(plaintext, n);
    return Zstd.compress(sample, 1).length <= n - n / 16;
  }

  private static byte[] aad(String objectKey, byte codec) {
    byte[] name = objectKey.getBytes(StandardCharsets.UTF_8);
    byte[] aad = new byte[2 + name.length];
    aad[0] = VERSION;
    aad[1] = codec;
    System.arraycopy(name, 0, aad, 2, name.length);
    return aad;
  }
}
