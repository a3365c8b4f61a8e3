package dev.haven.cloud.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under a root folder: the embedded default cloud site and the backend of tests
 * and benchmarks. A put writes a temporary file, forces it and renames it over the key's file, so a
 * crash leaves the old object or the new one. Temporary names carry a {@code +}, which no key may
 * hold, so they never show in a listing.
 *
 * <p>Temporary files are written with direct I/O ({@link DirectFileWriter}) where the file system
 * takes it, which costs far less CPU than going through the page cache; where it does not, a put
 * falls back to a buffered write, and once a buffered write has succeeded after a direct one
 * failed, the store writes buffered from then on.
 */
public final class FolderObjectStore implements ObjectStore {
  private static final String TEMP_MARK = "+";

  private final Path root;
  private final NewFileWriter direct;
  private volatile boolean directWorks;

  public FolderObjectStore(Path root) throws IOException {
    this(root, DirectFileWriter.forFolder(Files.createDirectories(root)));
  }

  /**
   * A store that writes with {@code direct} first, or only buffered when it is null (tests cover
   * both ways and the fall back).
   */
  FolderObjectStore(Path root, NewFileWriter direct) throws IOException {
    this.root = Files.createDirectories(root).toAbsolutePath();
    this.direct = direct;
    this.directWorks = direct != null;
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    if (data.length > MAX_OBJECT_BYTES) {
      throw new IllegalArgumentException(
          "object '" + key + "' is " + data.length + " bytes, more than " + MAX_OBJECT_BYTES);
    }
    Path target = file(key);
    Files.createDirectories(target.getParent());
    Path temp = target.resolveSibling(target.getFileName() + TEMP_MARK + UUID.randomUUID());
    try {
      write(temp, data);
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      // The rename is durable only once its folder is: without this a crash could keep a manifest
      // (forced, renamed, folder forced) while losing the name of a chunk it lists.
      forceFolder(target.getParent());
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw new IOException("cannot store '" + key + "' in " + describe() + ": " + e, e);
    }
  }

  private static void forceFolder(Path folder) throws IOException {
    try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** Creates {@code temp} holding {@code data}, forced to the device. */
  private void write(Path temp, byte[] data) throws IOException {
    if (directWorks) {
      try {
        direct.write(temp, data);
        return;
      } catch (IOException e) {
        // The file system may refuse direct I/O (or this write failed for another reason, which
        // the buffered write below reports in turn). Only when the buffered write succeeds is
        // direct I/O given up for good, so that an error such as a full disk does not switch it
        // off.
        Files.deleteIfExists(temp);
        writeBuffered(temp, data);
        directWorks = false;
        return;
      }
    }
    writeBuffered(temp, data);
  }

  private static void writeBuffered(Path temp, byte[] data) throws IOException {
    try (FileChannel channel =
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(data);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  @Override
  public byte[] get(String key) throws IOException {
    try {
      return Files.readAllBytes(file(key));
    } catch (NoSuchFileException e) {
      throw new NoSuchObjectException(describe(), key);
    }
  }

  @Override
  public boolean exists(String key) {
    return Files.isRegularFile(file(key));
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    ObjectKeys.checkPrefix(prefix);
    // Walk only the deepest folder the prefix names, not the whole store.
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
    List<String> keys = new ArrayList<>();
    if (!Files.isDirectory(start)) {
      return keys;
    }
    try (Stream<Path> files = Files.walk(start)) {
      files
          .filter(Files::isRegularFile)
          .map(
              path ->
                  root.relativize(path)
                      .toString()
                      .replace(path.getFileSystem().getSeparator(), "/"))
          .filter(key -> !key.contains(TEMP_MARK) && key.startsWith(prefix))
          .forEach(keys::add);
    }
    keys.sort(null);
    return keys;
  }

  @Override
  public void delete(String key) throws IOException {
    Files.deleteIfExists(file(key));
  }

  @Override
  public String describe() {
    return "folder " + root;
  }

  @Override
  public void close() {}

  private Path file(String key) {
    return root.resolve(ObjectKeys.check(key));
  }
}
