package dev.haven.dist.keys;

import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.replica.KeyRotation;
import dev.haven.cloud.store.ObjectStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * An operator's rotation of the vault key over every store the keyring serves, in an order that
 * keeps every data key readable whatever step a crash stops it at:
 *
 * <ol>
 *   <li>every data key of every store is unwrapped with the keyring as it is; one that does not
 *       unwrap stops the run naming its item, before anything changes;
 *   <li>a fresh key is added to the keyring file as its current key (atomic write);
 *   <li>each store's data keys are rewrapped under it, each in one atomic put;
 *   <li>with {@code retireOld}, the old keys no data key uses any more are removed from the file.
 * </ol>
 *
 * Data objects (chunks, logs, manifests) are never read or written: nothing is re-sent.
 */
public final class VaultKeyRotation {
  private final Path keyringFile;
  private final PrintWriter out;

  public VaultKeyRotation(Path keyringFile, PrintWriter out) {
    this.keyringFile = keyringFile;
    this.out = out;
  }

  /**
   * Rotates to a new key, rewraps every store's data keys, and retires old keys if asked; one
   * rotation of a keyring at a time ({@link KeyringLock}).
   */
  public VaultKeyring rotate(OperatorStores stores, boolean retireOld) throws IOException {
    // The keyring is checked first, so that a mistyped path does not leave a lock file behind.
    KeyringFiles.read(keyringFile);
    try (KeyringLock lock = KeyringLock.acquire(keyringFile)) {
      return rotateHolding(stores, retireOld);
    }
  }

  private VaultKeyring rotateHolding(OperatorStores stores, boolean retireOld) throws IOException {
    // Read again under the lock: a rotation that ended meanwhile may have added a key.
    VaultKeyring keyring = KeyringFiles.read(keyringFile);
    KeyRotation.Rotated rotated = KeyRotation.rotate(stores.all(), keyring, keyringFile);
    VaultKeyring next = rotated.keyring();
    out.printf("added key %s to %s as the current key%n", next.currentId(), keyringFile);
    rotated
        .rewrappedByStore()
        .forEach(
            (location, rewrapped) ->
                out.printf(
                    "rotated %d data keys in %s to key %s%n",
                    rewrapped, OperatorStores.shown(location), next.currentId()));
    out.flush();
    return retireOld ? retire(next, stores) : next;
  }

  /**
   * Removes every old key that no data key in {@code stores} uses, as the stores are now: a key
   * still in use (an agent that had not yet read the new keyring may have made a data key with it)
   * stays, and the output says where it is used.
   */
  private VaultKeyring retire(VaultKeyring keyring, OperatorStores stores) throws IOException {
    Map<String, Integer> inUse = usage(stores);
    VaultKeyring kept = keyring;
    for (String id : keyring.ids()) {
      if (id.equals(keyring.currentId())) {
        continue;
      }
      Integer users = inUse.get(id);
      if (users == null) {
        kept = kept.without(id);
        out.printf("retired key %s%n", id);
      } else {
        out.printf(
            "kept key %s: %d data keys still use it; rotate again to move them%n", id, users);
      }
    }
    if (kept != keyring) {
      kept.save(keyringFile);
    }
    out.flush();
    return kept;
  }

  /** How many data keys in {@code stores} each key of the keyring wraps, by key id. */
  public static Map<String, Integer> usage(OperatorStores stores) throws IOException {
    Map<String, Integer> inUse = new TreeMap<>();
    for (ObjectStore store : stores.all().values()) {
      KeyRotation.usage(store).forEach((id, n) -> inUse.merge(id, n, Integer::sum));
    }
    return inUse;
  }
}
