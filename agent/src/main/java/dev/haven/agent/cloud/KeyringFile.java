package dev.haven.agent.cloud;

import dev.haven.agent.PreconditionException;
import dev.haven.cloud.crypto.VaultKeyring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * The vault keyring file an agent is configured with, read once and read again only when the file
 * changes: its modification time, size or identity (a rotation renames a new file over the old one,
 * so the identity changes even when time and size would not). A key rotation done by {@code haven
 * keys rotate} is thus picked up by a running agent at its next use of the keyring, without a
 * restart, and an unchanged file costs one {@code stat} per use.
 */
public final class KeyringFile {
  private final Path file;
  private Stamp loadedStamp;
  private VaultKeyring loaded;

  /** What identifies one version of the file. */
  private record Stamp(FileTime modified, long size, Object identity) {}

  public KeyringFile(Path file) {
    this.file = file;
  }

  public Path path() {
    return file;
  }

  /**
   * The keyring as the file now holds it; a clear error when there is no file, and the loader's
   * error (naming the file and line) when it is malformed.
   */
  public synchronized VaultKeyring keyring() throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new PreconditionException(
          "this agent has no vault keyring at "
              + file
              + " (set vaultKeyring in the agent's config): it cannot use a cloud site");
    }
    Stamp now = new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
    if (loaded == null || !now.equals(loadedStamp)) {
      // Should the file be replaced between the stat and the read, the newer keyring is kept
      // under the older stamp, and the next call reads the file once more: never a stale key.
      loaded = VaultKeyring.load(file);
      loadedStamp = now;
    }
    return loaded;
  }
}
