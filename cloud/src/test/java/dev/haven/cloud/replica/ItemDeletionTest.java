package dev.haven.cloud.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.cloud.layout.CloudKeys;
import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R6: disabling protection with replica deletion removes every object of the item from a folder
 * store, the data key first, and leaves other items' objects alone.
 */
class ItemDeletionTest {
  @TempDir Path dir;

  @Test
  void R6_deletingAnItemRemovesEveryObjectOfItDataKeyFirstAndNothingElse() throws Exception {
    try (ObjectStore folder = ObjectStores.open(dir.resolve("cloud").toString())) {
      List<String> itemA = fill(folder, "item-a");
      List<String> itemB = fill(folder, "item-b");
      folder.put("other/keep-me", new byte[] {1});
      RecordingStore store = new RecordingStore(folder);

      assertThat(ItemDeletion.delete(store, "item-a")).isEqualTo(itemA.size());

      assertThat(folder.list(CloudKeys.item("item-a"))).isEmpty();
      assertThat(folder.list(CloudKeys.item("item-b"))).containsExactlyElementsOf(itemB);
      assertThat(folder.exists("other/keep-me")).isTrue();
      assertThat(store.deleted).containsExactlyInAnyOrderElementsOf(itemA);
      // Unreadable from the first delete on; then no point a reader could still try to build.
      assertThat(store.deleted.get(0)).isEqualTo(CloudKeys.dataKey("item-a"));
      assertThat(store.deleted.subList(1, 3))
          .allMatch(k -> k.startsWith(CloudKeys.points("item-a")));
      // Again: nothing left, nothing deleted, no error.
      assertThat(ItemDeletion.delete(store, "item-a")).isZero();
      assertThat(ItemDeletion.delete(store, "item-never-protected")).isZero();
    }
  }

  /** A data key, two point manifests, chunks of two disks and a log part, as an item holds. */
  private static List<String> fill(ObjectStore store, String item) throws IOException {
    List<String> keys =
        List.of(
            CloudKeys.dataKey(item),
            CloudKeys.point(item, 1),
            CloudKeys.point(item, 2),
            CloudKeys.chunk(item, "disk-1", "aaaa"),
            CloudKeys.chunk(item, "disk-1", "bbbb"),
            CloudKeys.chunk(item, "disk-2", "cccc"),
            CloudKeys.logPart(item, "disk-1", 2, 0));
    for (String key : keys) {
      store.put(key, key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return store.list(CloudKeys.item(item));
  }

  /** A real store that notes the order of deletes. */
  private static final class RecordingStore implements ObjectStore {
    private final ObjectStore store;
    final List<String> deleted = new ArrayList<>();

    RecordingStore(ObjectStore store) {
      this.store = store;
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
      store.put(key, data);
    }

    @Override
    public byte[] get(String key) throws IOException {
      return store.get(key);
    }

    @Override
    public boolean exists(String key) throws IOException {
      return store.exists(key);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
      return store.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
      deleted.add(key);
      store.delete(key);
    }

    @Override
    public String describe() {
      return store.describe();
    }

    @Override
    public void close() {}
  }
}
