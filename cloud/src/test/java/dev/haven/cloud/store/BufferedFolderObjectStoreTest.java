package dev.haven.cloud.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The folder store's buffered writes, which it falls back to where direct I/O is refused. */
class BufferedFolderObjectStoreTest extends ObjectStoreContract {
  @TempDir Path dir;

  @Override
  protected ObjectStore open() throws Exception {
    return new FolderObjectStore(dir.resolve("cloud"), null);
  }
}
