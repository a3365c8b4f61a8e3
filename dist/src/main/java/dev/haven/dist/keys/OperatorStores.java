package dev.haven.dist.keys;

import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The object stores an operator command names with {@code --store}, in the spelling a cloud site's
 * {@code cloud_storage} uses (a folder path, {@code file:///…}, {@code s3://…}, {@code azure://…}),
 * opened together and closed together. A folder that does not exist is an error rather than a new
 * empty store, so that a mistyped path is never reported as "nothing to do".
 */
public final class OperatorStores implements AutoCloseable {
  private final Map<String, ObjectStore> byLocation = new LinkedHashMap<>();

  private OperatorStores() {}

  public static OperatorStores open(List<String> locations) throws IOException {
    OperatorStores stores = new OperatorStores();
    try {
      for (String location : locations) {
        if (stores.byLocation.containsKey(location)) {
          continue;
        }
        Path folder = folderOf(location);
        if (folder != null && !Files.isDirectory(folder)) {
          throw new IOException("object store " + location + " does not exist (no such folder)");
        }
        stores.byLocation.put(location, ObjectStores.open(location));
      }
      return stores;
    } catch (IOException | RuntimeException e) {
      stores.close();
      throw e;
    }
  }

  /** Location and store, in the order given. */
  public Map<String, ObjectStore> all() {
    return byLocation;
  }

  /** The location for messages: the query is left out, since it may hold credentials. */
  public static String shown(String location) {
    int query = location.indexOf('?');
    return query < 0 ? location : location.substring(0, query) + "?…";
  }

  private static Path folderOf(String location) {
    if (!location.contains("://")) {
      return Path.of(location);
    }
    return location.startsWith("file://") ? Path.of(URI.create(location)) : null;
  }

  @Override
  public void close() throws IOException {
    List<IOException> failures = new ArrayList<>();
    for (ObjectStore store : byLocation.values()) {
      try {
        store.close();
      } catch (IOException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }
}
