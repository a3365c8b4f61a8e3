package dev.haven.cloud.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * Opens the object store a cloud site names by URI: {@code file:///srv/haven/cloud} (or a plain
 * path) for a folder. Other backends add their scheme here.
 */
public final class ObjectStores {
  private ObjectStores() {}

  /**
   * Opens the store at {@code location}; an unknown scheme is an error that lists the known ones.
   */
  public static ObjectStore open(String location) throws IOException {
    URI uri = location.contains("://") ? URI.create(location) : null;
    String scheme = uri == null ? "file" : uri.getScheme();
    switch (scheme) {
      case "file":
        return new FolderObjectStore(uri == null ? Path.of(location) : Path.of(uri));
      default:
        throw new IllegalArgumentException(
            "unknown object store '" + location + "': expected file:///path");
    }
  }
}
