package dev.haven.agent.changelog;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * Reads a change log from its start, record by record, checking each record as it goes. It stops at
 * the trailer, at the clean end of a live log, or at the first record that is not whole and valid
 * (a torn tail after a crash, or damage); {@link #stopReason()} then says why, and {@link
 * #validEnd()} is where the last whole record ends.
 */
public final class ChangeLogReader implements AutoCloseable {
  private final Path file;
  private final DataInputStream in;
  private final LogFormat.Header header;
  private final LogDigest digest;
  private long validEnd;
  private long records;
  private long dataBytes;
  private LogFormat.Trailer trailer;
  private String stopReason;
  private boolean ended;

  private ChangeLogReader(Path file, DataInputStream in, LogFormat.Header header) {
    this.file = file;
    this.in = in;
    this.header = header;
    this.digest = LogDigest.of(header.version());
    this.validEnd = header.byteLength();
  }

  /** Opens a log and reads its header; a missing or damaged header is a corrupt log. */
  public static ChangeLogReader open(Path file) throws IOException {
    DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
    try {
      return new ChangeLogReader(file, in, LogFormat.readHeader(in, file.getFileName().toString()));
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  public String diskId() {
    return header.diskId();
  }

  public long seq() {
    return header.seq();
  }

  public long createdAtMillis() {
    return header.createdAtMillis();
  }

  int headerBytes() {
    return header.byteLength();
  }

  /**
   * The next whole, valid record, or null when reading has ended: at the trailer, at the clean end
   * of the file, or at a torn or damaged record.
   */
  public LogEntry next() throws IOException {
    if (ended) {
      return null;
    }
    int kind = in.read();
    if (kind < 0) {
      return end(null);
    }
    if (kind == LogFormat.KIND_TRAILER) {
      return readTrailer();
    }
    if (kind != LogFormat.KIND_DATA && kind != LogFormat.KIND_ZERO) {
      return end("unknown record kind " + kind + " at byte " + validEnd);
    }
    byte[] fields = new byte[LogFormat.RECORD_HEADER_BYTES];
    fields[0] = (byte) kind;
    if (!readFully(fields, 1)) {
      return end("record header torn at byte " + validEnd);
    }
    ByteBuffer buffer = ByteBuffer.wrap(fields, 1, fields.length - 1);
    long offset = buffer.getLong();
    int length = buffer.getInt();
    int dataCrc = buffer.getInt();
    if (LogFormat.crc(fields, 0, 17) != buffer.getInt()) {
      return end("record header damaged at byte " + validEnd);
    }
    boolean zero = kind == LogFormat.KIND_ZERO;
    if (offset < 0 || length <= 0 || (!zero && length > LogFormat.MAX_DATA_RECORD)) {
      return end("record at byte " + validEnd + " has impossible offset or length");
    }
    byte[] data = null;
    if (!zero) {
      data = new byte[length];
      if (!readFully(data, 0)) {
        return end("record data torn at byte " + validEnd);
      }
      if (Checksums.crc32c(data) != dataCrc) {
        return end("CRC32C mismatch in record " + records + " at byte " + validEnd);
      }
      dataBytes += length;
    }
    digest.add(offset, length, zero, dataCrc, zero ? null : ByteBuffer.wrap(data));
    records++;
    validEnd += LogFormat.RECORD_HEADER_BYTES + (zero ? 0 : length);
    return new LogEntry(offset, length, dataCrc, data, zero);
  }

  private LogEntry readTrailer() throws IOException {
    byte[] bytes = new byte[LogFormat.TRAILER_BYTES];
    bytes[0] = LogFormat.KIND_TRAILER;
    if (!readFully(bytes, 1)) {
      return end("trailer torn at byte " + validEnd);
    }
    LogFormat.Trailer parsed = LogFormat.parseTrailer(bytes);
    if (parsed == null) {
      return end("trailer damaged at byte " + validEnd);
    }
    if (in.read() >= 0) {
      return end("bytes follow the trailer at byte " + validEnd);
    }
    trailer = parsed;
    return end(null);
  }

  private boolean readFully(byte[] into, int from) throws IOException {
    try {
      in.readFully(into, from, into.length - from);
      return true;
    } catch (EOFException e) {
      return false;
    }
  }

  private LogEntry end(String reason) {
    ended = true;
    stopReason = reason;
    return null;
  }

  /** Why reading ended before a trailer or the clean end of the file; null if it did not. */
  public String stopReason() {
    return stopReason;
  }

  /** The trailer, once reading reached a whole, valid one. */
  LogFormat.Trailer trailer() {
    return trailer;
  }

  /** Byte position just after the last whole record (the trailer excluded). */
  public long validEnd() {
    return validEnd;
  }

  public long recordCount() {
    return records;
  }

  public long dataBytes() {
    return dataBytes;
  }

  /** The digest of the records read so far (a copy). */
  LogDigest digestSoFar() {
    return digest.copy();
  }

  /**
   * Reads to the end and checks what a sealed log must hold: every record valid, a trailer whose
   * record count and digest match the records, nothing after it.
   */
  LogFormat.Trailer verifySealed(java.util.function.Consumer<LogEntry> visitor) throws IOException {
    LogEntry entry;
    while ((entry = next()) != null) {
      visitor.accept(entry);
    }
    String name = file.getFileName().toString();
    if (stopReason != null) {
      throw new CorruptLogException(name + ": " + stopReason);
    }
    if (trailer == null) {
      throw new CorruptLogException(name + " has no trailer: it was never sealed");
    }
    if (trailer.recordCount() != records) {
      throw new CorruptLogException(
          name + " trailer counts " + trailer.recordCount() + " records, file holds " + records);
    }
    if (!MessageDigest.isEqual(trailer.digest(), digest.finish())) {
      throw new CorruptLogException(
          name + " records do not match the trailer's " + digest.describe() + " digest");
    }
    return trailer;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
