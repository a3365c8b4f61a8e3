package dev.haven.agent.changelog;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A sealed change log on disk. Its metadata comes from the header and trailer; the records are
 * verified whenever they are read. A file whose header or trailer cannot be read is still listed,
 * so that the damage is reported instead of silently skipped, but reading it throws {@link
 * CorruptLogException}.
 */
public final class FileSealedLog implements SealedLog {
  private final Path file;
  private final long seq;
  private final long createdAtMillis;
  private final long sealedAtMillis;
  private final long recordCount;
  private final byte[] digest;
  private final long dataBytes;
  private final long recordBytes;
  private final String corruption;

  private FileSealedLog(
      Path file,
      long seq,
      long createdAtMillis,
      long sealedAtMillis,
      long recordCount,
      byte[] digest,
      long dataBytes,
      long recordBytes,
      String corruption) {
    this.file = file;
    this.seq = seq;
    this.createdAtMillis = createdAtMillis;
    this.sealedAtMillis = sealedAtMillis;
    this.recordCount = recordCount;
    this.digest = digest;
    this.dataBytes = dataBytes;
    this.recordBytes = recordBytes;
    this.corruption = corruption;
  }

  /** The log that {@code writer} has just sealed. */
  static FileSealedLog justSealed(ChangeLogWriter writer, long sealedAtMillis, byte[] digest) {
    return new FileSealedLog(
        writer.file(),
        writer.seq(),
        writer.createdAtMillis(),
        sealedAtMillis,
        writer.recordCount(),
        digest,
        writer.dataBytes(),
        writer.recordBytes(),
        null);
  }

  /**
   * Opens a sealed log from its header and trailer without reading its records. {@code seqFromName}
   * is used when the header itself is unreadable.
   */
  public static FileSealedLog open(Path file, long seqFromName) throws IOException {
    String name = file.getFileName().toString();
    int headerBytes;
    long seq;
    long createdAt;
    try (ChangeLogReader reader = ChangeLogReader.open(file)) {
      headerBytes = reader.headerBytes();
      seq = reader.seq();
      createdAt = reader.createdAtMillis();
    } catch (CorruptLogException e) {
      return corrupt(file, seqFromName, e.getMessage());
    }
    long size = Files.size(file);
    if (size < headerBytes + LogFormat.TRAILER_BYTES) {
      return corrupt(file, seq, name + " is too short to hold a trailer");
    }
    byte[] bytes = new byte[LogFormat.TRAILER_BYTES];
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      in.seek(size - LogFormat.TRAILER_BYTES);
      in.readFully(bytes);
    }
    LogFormat.Trailer trailer = LogFormat.parseTrailer(bytes);
    if (trailer == null) {
      return corrupt(file, seq, name + " has a damaged or missing trailer");
    }
    long recordBytes = size - headerBytes - LogFormat.TRAILER_BYTES;
    long dataBytes = recordBytes - trailer.recordCount() * LogFormat.RECORD_HEADER_BYTES;
    return new FileSealedLog(
        file,
        seq,
        createdAt,
        trailer.sealedAtMillis(),
        trailer.recordCount(),
        trailer.digest(),
        dataBytes,
        recordBytes,
        null);
  }

  private static FileSealedLog corrupt(Path file, long seq, String reason) {
    return new FileSealedLog(file, seq, 0, 0, 0, new byte[0], 0, 0, reason);
  }

  /** Why this log cannot be read, or null when its header and trailer are intact. */
  public String corruption() {
    return corruption;
  }

  public Path file() {
    return file;
  }

  @Override
  public long seq() {
    return seq;
  }

  @Override
  public long createdAtMillis() {
    return createdAtMillis;
  }

  @Override
  public long sealedAtMillis() {
    return sealedAtMillis;
  }

  @Override
  public long recordCount() {
    return recordCount;
  }

  @Override
  public byte[] digest() {
    return digest.clone();
  }

  @Override
  public long dataBytes() {
    return dataBytes;
  }

  /** Bytes of records in the file, headers of records included. */
  public long recordBytes() {
    return recordBytes;
  }

  @Override
  public void forEach(Consumer<LogEntry> visitor) throws IOException {
    if (corruption != null) {
      throw new CorruptLogException(corruption);
    }
    try (ChangeLogReader reader = ChangeLogReader.open(file)) {
      reader.verifySealed(visitor);
    }
  }
}
