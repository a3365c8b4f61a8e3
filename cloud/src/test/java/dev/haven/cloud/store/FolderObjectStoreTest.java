package dev.haven.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderObjectStoreTest extends ObjectStoreContract {
  @TempDir Path dir;

  @Override
  protected ObjectStore open() throws Exception {
    return ObjectStores.open(dir.resolve("cloud").toString());
  }

  @Test
  void aTornTemporaryFileNeverShowsAsAnObject() throws Exception {
    store.put("items/a/x", new byte[] {1});
    Files.write(dir.resolve("cloud/items/a/x+torn"), new byte[] {7, 7});
    assertThat(store.list("items/")).containsExactly("items/a/x");
    assertThat(store.get("items/a/x")).containsExactly(1);
  }
}
