package dev.haven.cloud.store;

import java.io.IOException;

/** There is no object under the key a caller asked for. */
public final class NoSuchObjectException extends IOException {
  private final String key;

  public NoSuchObjectException(String store, String key) {
    super("no object '" + key + "' in " + store);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
