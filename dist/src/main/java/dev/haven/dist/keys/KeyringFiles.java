package dev.haven.dist.keys;

import dev.haven.cloud.crypto.VaultKeyring;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading an operator's keyring file with errors that say what is wrong with it. */
public final class KeyringFiles {
  private KeyringFiles() {}

  /**
   * The keyring in {@code file}. Unlike an agent's first start, a key command never creates one: a
   * mistyped path would otherwise become a keyring that wraps nothing the stores hold.
   */
  public static VaultKeyring read(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new IOException("keyring " + file + " does not exist");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IOException("keyring " + file + " is not a readable file");
    }
    try {
      return VaultKeyring.load(file);
    } catch (AccessDeniedException e) {
      throw new IOException("keyring " + file + " is not readable: permission denied", e);
    }
  }
}
