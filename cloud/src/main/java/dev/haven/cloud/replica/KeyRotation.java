package dev.haven.cloud.replica;

import dev.haven.cloud.crypto.DataKeys;
import dev.haven.cloud.crypto.ObjectRefusedException;
import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.store.ObjectStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.SecretKey;

/**
 * Rotation of the vault key: the keyring gains a fresh current key (saved before anything is
 * rewrapped, so no data key is ever wrapped by a key the keyring file lacks), then every item's
 * data key in the store is unwrapped with the key that wrapped it and wrapped again by the new one.
 * Data objects are not touched: nothing is re-sent. Each rewrap replaces the data key object in one
 * atomic put, so at every moment the object is wrapped by the old key or the new one, and the
 * keyring holds both. Running it again after a crash rewraps what is left; a data key already
 * wrapped by the current key is left as it is.
 */
public final class KeyRotation {
  private static final String ITEMS = "items/";
  private static final String DATA_KEY = "/data-key";

  private KeyRotation() {}

  /** What a rotation did: the keyring saved, and how many data keys it rewrapped in each store. */
  public record Rotated(VaultKeyring keyring, Map<String, Integer> rewrappedByStore) {
    public int dataKeysRewrapped() {
      return rewrappedByStore.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * Rotates with a new key added to {@code keyring}, saved to {@code keyringFile}, over every store
   * the keyring serves ({@code stores}, by location, in order). Every data key in every store is
   * checked first: one the keyring cannot unwrap is an error naming its item, and nothing changes.
   */
  public static Rotated rotate(
      Map<String, ObjectStore> stores, VaultKeyring keyring, Path keyringFile) throws IOException {
    for (ObjectStore store : stores.values()) {
      check(store, keyring);
    }
    VaultKeyring next = keyring.withNewCurrentKey();
    next.save(keyringFile);
    Map<String, Integer> rewrapped = new LinkedHashMap<>();
    for (Map.Entry<String, ObjectStore> store : stores.entrySet()) {
      rewrapped.put(store.getKey(), rewrap(store.getValue(), next));
    }
    return new Rotated(next, rewrapped);
  }

  /** Rewraps every data key not wrapped by {@code keyring}'s current key; returns how many. */
  public static int rewrap(ObjectStore store, VaultKeyring keyring) throws IOException {
    int count = 0;
    for (String key : dataKeyObjects(store)) {
      byte[] stored = store.get(key);
      if (DataKeys.wrappingKeyId(key, stored).equals(keyring.currentId())) {
        continue;
      }
      SecretKey dataKey = unwrap(store, key, keyring);
      store.put(key, DataKeys.wrap(key, dataKey, keyring));
      count++;
    }
    return count;
  }

  /**
   * Unwraps every data key in {@code store} with {@code keyring} and changes nothing; returns how
   * many there are. A data key wrapped by a key the keyring lacks, or one that does not unwrap, is
   * an error that names its item.
   */
  public static int check(ObjectStore store, VaultKeyring keyring) throws IOException {
    List<String> keys = dataKeyObjects(store);
    for (String key : keys) {
      unwrap(store, key, keyring);
    }
    return keys.size();
  }

  /** How many data keys in {@code store} each vault key id wraps, by id. */
  public static Map<String, Integer> usage(ObjectStore store) throws IOException {
    Map<String, Integer> byKey = new TreeMap<>();
    for (String key : dataKeyObjects(store)) {
      byKey.merge(DataKeys.wrappingKeyId(key, store.get(key)), 1, Integer::sum);
    }
    return byKey;
  }

  /** The protected item whose data key is stored under {@code objectKey}. */
  public static String itemOf(String objectKey) {
    return objectKey.substring(ITEMS.length(), objectKey.length() - DATA_KEY.length());
  }

  private static SecretKey unwrap(ObjectStore store, String key, VaultKeyring keyring)
      throws IOException {
    // The store's own failures (unreachable, denied) pass as they are; a data key that does not
    // unwrap is the operator's to sort out, so the message says which item it belongs to.
    String id;
    try {
      id = DataKeys.wrappingKeyId(key, store.get(key));
    } catch (ObjectRefusedException e) {
      throw unreadable(store, key, e.getMessage(), e);
    }
    if (!keyring.ids().contains(id)) {
      throw unreadable(
          store,
          key,
          "it is wrapped by vault key '"
              + id
              + "', which the keyring does not hold "
              + keyring.ids(),
          null);
    }
    try {
      return DataKeys.load(store, key, keyring);
    } catch (ObjectRefusedException e) {
      throw unreadable(store, key, e.getMessage(), e);
    }
  }

  private static IOException unreadable(
      ObjectStore store, String key, String reason, Exception cause) {
    return new IOException(
        "item "
            + itemOf(key)
            + " in "
            + store.describe()
            + ": its data key cannot be unwrapped: "
            + reason,
        cause);
  }

  private static List<String> dataKeyObjects(ObjectStore store) throws IOException {
    List<String> found = new ArrayList<>();
    for (String key : store.list(ITEMS)) {
      if (key.endsWith(DATA_KEY) && key.indexOf('/', ITEMS.length()) == key.lastIndexOf('/')) {
        found.add(key);
      }
    }
    return found;
  }
}
