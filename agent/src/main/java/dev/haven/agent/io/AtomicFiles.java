package dev.haven.agent.io;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-safe small files: a file is written to a temporary sibling, forced to disk and renamed over
 * the old one, and the folder is forced too, so a reader finds either the old or the new content
 * and never a torn mix.
 */
public final class AtomicFiles {
  /** The agent's JSON mapper: indented, and tolerant of fields a newer version added. */
  public static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private AtomicFiles() {}

  /** Writes {@code value} as JSON to {@code file} atomically and durably. */
  public static void writeJson(Path file, Object value) throws IOException {
    write(file, JSON.writeValueAsBytes(value));
  }

  /** Reads a JSON file written by {@link #writeJson}. */
  public static <T> T readJson(Path file, Class<T> type) throws IOException {
    return JSON.readValue(file.toFile(), type);
  }

  /** Replaces {@code file} with {@code bytes} atomically and durably. */
  public static void write(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel out =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
      out.force(true);
    }
    moveAtomically(tmp, file);
  }

  /** Renames {@code from} over {@code to} atomically, then forces the folder. */
  public static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
    forceDirectory(to.toAbsolutePath().getParent());
  }

  /**
   * Forces a folder's entries to disk, so that a file created or renamed in it survives a crash.
   * Some file systems refuse to open a folder for this; the rename is then as durable as they make
   * it.
   */
  public static void forceDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("No space left")) {
        throw e;
      }
    }
  }
}
