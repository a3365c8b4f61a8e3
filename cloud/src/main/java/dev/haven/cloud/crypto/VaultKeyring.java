package dev.haven.cloud.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The vault's keys (AES-256), read from a keyring file that every agent of a cloud site is
 * configured with. One key is current: it wraps new and rotated data keys. Older keys stay so that
 * data keys not yet rewrapped can still be read.
 *
 * <p>The file is text: a {@code current ID} line and one {@code key ID BASE64} line per key; {@code
 * #} starts a comment. It is written atomically and, where the file system allows, readable by its
 * owner only.
 */
public final class VaultKeyring {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern NUMBERED = Pattern.compile("k([0-9]+)");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, SecretKey> keys;
  private final String currentId;

  private VaultKeyring(Map<String, SecretKey> keys, String currentId) {
    this.keys = keys;
    this.currentId = currentId;
  }

  /** A keyring with one fresh random key, {@code k1}. */
  public static VaultKeyring generate() {
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    keys.put("k1", randomKey());
    return new VaultKeyring(keys, "k1");
  }

  /** Reads {@code file}, or creates it with a fresh key when it does not exist. */
  public static VaultKeyring loadOrCreate(Path file) throws IOException {
    if (Files.exists(file)) {
      return load(file);
    }
    VaultKeyring keyring = generate();
    keyring.save(file);
    return keyring;
  }

  /** Reads a keyring file; a malformed line is an error naming the file and line. */
  public static VaultKeyring load(Path file) throws IOException {
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    String current = null;
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] words = line.split("\\s+");
      try {
        if (words[0].equals("current") && words.length == 2) {
          current = checkId(words[1]);
        } else if (words[0].equals("key") && words.length == 3) {
          byte[] raw = Base64.getDecoder().decode(words[2]);
          if (raw.length != 32) {
            throw new IllegalArgumentException("a key must be 32 bytes, not " + raw.length);
          }
          keys.put(checkId(words[1]), new SecretKeySpec(raw, "AES"));
        } else {
          throw new IllegalArgumentException("expected 'current ID' or 'key ID BASE64'");
        }
      } catch (IllegalArgumentException e) {
        throw new IOException("keyring " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    if (current == null || !keys.containsKey(current)) {
      throw new IOException("keyring " + file + " names no current key it holds");
    }
    return new VaultKeyring(keys, current);
  }

  /**
   * Writes the keyring to {@code file} atomically, owner-readable only where possible: a temporary
   * file in the same folder is written and forced to disk, then renamed over {@code file}, so a
   * crash leaves the old keyring or the new one, never a part of either.
   */
  public void save(Path file) throws IOException {
    StringBuilder text =
        new StringBuilder(
            "# Haven vault keyring: keep it secret. Every agent of a cloud site needs it.\n");
    text.append("current ").append(currentId).append('\n');
    keys.forEach(
        (id, key) ->
            text.append("key ")
                .append(id)
                .append(' ')
                .append(Base64.getEncoder().encodeToString(key.getEncoded()))
                .append('\n'));
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      forceFolder(dir);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Forces the folder's entry for the renamed file to disk where the platform allows it; a crash
   * right after a rotation must not bring back a keyring without the key that wraps data keys.
   */
  private static void forceFolder(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms cannot open a folder as a channel; the rename is then as durable as they
      // make it.
    }
  }

  /**
   * A keyring with one more fresh key, which becomes current; the old keys stay so that data keys
   * wrapped by them can still be read until they are rewrapped.
   */
  public VaultKeyring withNewCurrentKey() {
    // The new id is past every id held, so that a retired id is never given to another key: a
    // data key wrapped by a retired key then fails as "no such key", not as a bad tag.
    int n = keys.size() + 1;
    for (String id : keys.keySet()) {
      Matcher numbered = NUMBERED.matcher(id);
      if (numbered.matches() && numbered.group(1).length() < 9) {
        n = Math.max(n, Integer.parseInt(numbered.group(1)) + 1);
      }
    }
    while (keys.containsKey("k" + n)) {
      n++;
    }
    Map<String, SecretKey> more = new LinkedHashMap<>(keys);
    more.put("k" + n, randomKey());
    return new VaultKeyring(more, "k" + n);
  }

  /** A keyring without {@code id}, for retiring a key once nothing is wrapped by it. */
  public VaultKeyring without(String id) {
    if (id.equals(currentId)) {
      throw new IllegalArgumentException("cannot retire the current key " + id);
    }
    Map<String, SecretKey> fewer = new LinkedHashMap<>(keys);
    fewer.remove(id);
    return new VaultKeyring(fewer, currentId);
  }

  /** The ids of the keys held, oldest first. Never the key material. */
  public List<String> ids() {
    return List.copyOf(keys.keySet());
  }

  public String currentId() {
    return currentId;
  }

  public SecretKey current() {
    return keys.get(currentId);
  }

  /** The key with {@code id}; an error naming it when this keyring does not hold it. */
  public SecretKey key(String id) throws IOException {
    SecretKey key = keys.get(id);
    if (key == null) {
      throw new IOException(
          "the vault keyring holds no key '" + id + "' (it holds " + keys.keySet() + ")");
    }
    return key;
  }

  static SecretKey randomKey() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return new SecretKeySpec(raw, "AES");
  }

  private static String checkId(String id) {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("bad key id '" + id + "'");
    }
    return id;
  }
}
