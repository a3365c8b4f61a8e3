package dev.haven.cloud.replica;

import dev.haven.cloud.crypto.DataKeys;
import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.store.ObjectStore;
import java.io.IOException;
import javax.crypto.SecretKey;

/**
 * Rotation of the vault key: the keyring gains a fresh current key (saved before anything is
 * rewrapped, so no data key is ever wrapped by a key the keyring file lacks), then every item's
 * data key in the store is unwrapped with the key that wrapped it and wrapped again by the new one.
 * Data objects are not touched: nothing is re-sent. Running it again after a crash rewraps what is
 * left; a data key already wrapped by the current key is left as it is.
 */
public final class KeyRotation {
  private KeyRotation() {}

  /** What a rotation did. */
  public record Rotated(VaultKeyring keyring, int dataKeysRewrapped) {}

  /** Rotates with a new key added to {@code keyring}, saved to {@code keyringFile}. */
  public static Rotated rotate(
      ObjectStore store, VaultKeyring keyring, java.nio.file.Path keyringFile) throws IOException {
    VaultKeyring next = keyring.withNewCurrentKey();
    next.save(keyringFile);
    return new Rotated(next, rewrap(store, next));
  }

  /** Rewraps every data key not wrapped by {@code keyring}'s current key; returns how many. */
  public static int rewrap(ObjectStore store, VaultKeyring keyring) throws IOException {
    int count = 0;
    for (String key : store.list("items/")) {
      if (!key.endsWith("/data-key")) {
        continue;
      }
      byte[] stored = store.get(key);
      if (DataKeys.wrappingKeyId(key, stored).equals(keyring.currentId())) {
        continue;
      }
      SecretKey dataKey = DataKeys.load(store, key, keyring);
      store.put(key, DataKeys.wrap(key, dataKey, keyring));
      count++;
    }
    return count;
  }
}
