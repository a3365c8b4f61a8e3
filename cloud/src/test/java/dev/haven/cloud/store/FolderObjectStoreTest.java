package dev.haven.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
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

  @Test
  void R6_whereDirectIoIsRefusedAPutFallsBackToABufferedWriteAndKeepsToIt() throws Exception {
    AtomicInteger directTries = new AtomicInteger();
    NewFileWriter refusing =
        (file, data) -> {
          directTries.incrementAndGet();
          Files.write(file, new byte[] {9}); // what a refused open or write may leave behind
          throw new IOException("Invalid argument");
        };
    byte[] data = new byte[(5 << 20) + 7];
    new Random(3).nextBytes(data);
    try (ObjectStore refusingStore = new FolderObjectStore(dir.resolve("refusing"), refusing)) {
      refusingStore.put("items/a/x", data);
      refusingStore.put("items/a/y", new byte[] {1, 2});
      assertThat(refusingStore.get("items/a/x")).isEqualTo(data);
      assertThat(refusingStore.get("items/a/y")).containsExactly(1, 2);
    }
    assertThat(directTries).hasValue(1);
    try (Stream<Path> files = Files.list(dir.resolve("refusing/items/a"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("x", "y");
    }
  }
}
