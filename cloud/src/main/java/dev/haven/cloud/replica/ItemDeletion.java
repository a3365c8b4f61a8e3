package dev.haven.cloud.replica;

import dev.haven.cloud.layout.CloudKeys;
import dev.haven.cloud.store.ObjectStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes every object of one protected item from a cloud site's store, when protection is disabled
 * and the policy deletes the replica. The data key goes first: once it is gone, whatever a failure
 * leaves behind can never be decrypted again (crypto-shredding), so the item's data is unreadable
 * from the first step. The recovery points' manifests go next, so that no reader takes a
 * half-deleted item for a point it could build, and the chunks and logs last. Running it again
 * after a failure deletes what is left; on an item with no objects it deletes nothing.
 */
public final class ItemDeletion {
  private ItemDeletion() {}

  /** Deletes the objects of {@code itemId}; answers how many there were. */
  public static long delete(ObjectStore store, String itemId) throws IOException {
    String dataKey = CloudKeys.dataKey(itemId);
    String points = CloudKeys.points(itemId);
    List<String> keys = store.list(CloudKeys.item(itemId));
    List<String> ordered = new ArrayList<>(keys.size());
    if (keys.contains(dataKey)) {
      ordered.add(dataKey);
    }
    keys.stream().filter(k -> k.startsWith(points)).forEach(ordered::add);
    keys.stream().filter(k -> !k.equals(dataKey) && !k.startsWith(points)).forEach(ordered::add);
    for (String key : ordered) {
      store.delete(key);
    }
    return ordered.size();
  }
}
