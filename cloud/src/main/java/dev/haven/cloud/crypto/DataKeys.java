package dev.haven.cloud.crypto;

import dev.haven.cloud.store.NoSuchObjectException;
import dev.haven.cloud.store.ObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A protected item's data key: random, AES-256, stored in the item's folder as an object wrapped
 * (AES-256-GCM) by a vault key whose id the object records. The object is {@code [version=1][id
 * length][id][12-byte nonce][wrapped key + tag]}; the associated data is the object's key and the
 * vault key's id, so a data key object copied to another item is refused.
 */
public final class DataKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private DataKeys() {}

  /**
   * The item's data key from {@code objectKey}, creating and storing a fresh one wrapped by the
   * keyring's current key when there is none yet.
   */
  public static SecretKey loadOrCreate(ObjectStore store, String objectKey, VaultKeyring keyring)
      throws IOException {
    try {
      return load(store, objectKey, keyring);
    } catch (NoSuchObjectException e) {
      byte[] raw = new byte[32];
      RANDOM.nextBytes(raw);
      SecretKey key = new SecretKeySpec(raw, "AES");
      store.put(objectKey, wrap(objectKey, key, keyring));
      return key;
    }
  }

  /** Reads and unwraps the data key stored under {@code objectKey}. */
  public static SecretKey load(ObjectStore store, String objectKey, VaultKeyring keyring)
      throws IOException {
    byte[] stored = store.get(objectKey);
    String id = wrappingKeyId(objectKey, stored);
    int idLength = stored[1];
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE,
          keyring.key(id),
          new GCMParameterSpec(128, stored, 2 + idLength, 12));
      cipher.updateAAD(aad(objectKey, id));
      int start = 2 + idLength + 12;
      return new SecretKeySpec(cipher.doFinal(stored, start, stored.length - start), "AES");
    } catch (AEADBadTagException e) {
      throw new ObjectRefusedException(
          objectKey,
          "the data key does not unwrap with vault key '"
              + id
              + "': the keyring's key is not the one that wrapped it, or the object was altered");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available: " + e, e);
    }
  }

  /** The id of the vault key that wrapped the data key stored as {@code stored}. */
  public static String wrappingKeyId(String objectKey, byte[] stored)
      throws ObjectRefusedException {
    if (stored.length < 3 || stored[0] != 1 || stored[1] <= 0 || stored.length < 2 + stored[1]) {
      throw new ObjectRefusedException(objectKey, "not a Haven data key object");
    }
    return new String(stored, 2, stored[1], StandardCharsets.US_ASCII);
  }

  /** The data key wrapped by the keyring's current key, as stored under {@code objectKey}. */
  public static byte[] wrap(String objectKey, SecretKey dataKey, VaultKeyring keyring) {
    String id = keyring.currentId();
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keyring.current(), new GCMParameterSpec(128, nonce));
      cipher.updateAAD(aad(objectKey, id));
      byte[] wrapped = cipher.doFinal(dataKey.getEncoded());
      byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
      return ByteBuffer.allocate(2 + idBytes.length + 12 + wrapped.length)
          .put((byte) 1)
          .put((byte) idBytes.length)
          .put(idBytes)
          .put(nonce)
          .put(wrapped)
          .array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available: " + e, e);
    }
  }

  private static byte[] aad(String objectKey, String keyId) {
    return (objectKey + "\n" + keyId).getBytes(StandardCharsets.UTF_8);
  }
}
