package dev.haven.dist;

import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a cloud site's object store holds, as the dist tests check it. */
public final class CloudObjects {
  private CloudObjects() {}

  /** The keys of every object of {@code itemId} in the store at {@code storage}. */
  public static List<String> ofItem(String storage, String itemId) throws Exception {
    try (ObjectStore store = ObjectStores.open(storage)) {
      return store.list("items/" + itemId + "/");
    }
  }

  /** Every object in the store and the SHA-256 of its bytes. */
  public static Map<String, String> hashes(String storage) throws Exception {
    Map<String, String> hashes = new TreeMap<>();
    try (ObjectStore store = ObjectStores.open(storage)) {
      for (String key : store.list("")) {
        hashes.put(
            key,
            HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(store.get(key))));
      }
    }
    return hashes;
  }
}
