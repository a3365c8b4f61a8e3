package dev.haven.cloud.crypto;

import java.io.IOException;

/**
 * An object could not be trusted: its authentication tag does not match (a wrong key, a changed
 * byte, or an object moved to another key), its header is unknown, or its plaintext does not have
 * the hash its manifest records. Nothing from it is ever returned or restored.
 */
public final class ObjectRefusedException extends IOException {
  private final String key;

  public ObjectRefusedException(String key, String reason) {
    super("object '" + key + "' refused: " + reason);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
