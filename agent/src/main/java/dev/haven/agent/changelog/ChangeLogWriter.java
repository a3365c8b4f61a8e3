package dev.haven.agent.changelog;

import dev.haven.agent.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Appends records to one change log file and seals it with its trailer. It is the write path's only
 * contact with the file format, so that a faster writer (group commit, preallocated segments) can
 * replace it without touching its callers. Not thread-safe: the owner serializes calls.
 */
public final class ChangeLogWriter implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final String diskId;
  private final long seq;
  private final long createdAtMillis;
  private final int headerBytes;
  private LogDigest digest;
  private long position;
  private long records;
  private long dataBytes;
  // Set once seal or close has closed the channel on purpose.
  private volatile boolean finished;

  private ChangeLogWriter(
      Path file,
      FileChannel channel,
      String diskId,
      long seq,
      long createdAtMillis,
      int headerBytes,
      LogDigest digest,
      long position,
      long records,
      long dataBytes) {
    this.file = file;
    this.channel = channel;
    this.diskId = diskId;
    this.seq = seq;
    this.createdAtMillis = createdAtMillis;
    this.headerBytes = headerBytes;
    this.digest = digest;
    this.position = position;
    this.records = records;
    this.dataBytes = dataBytes;
  }

  /**
   * Creates a new, empty log. The header is written to a temporary file and renamed into place, so
   * that a log file never exists with a partial header.
   */
  public static ChangeLogWriter create(Path file, String diskId, long seq, long createdAtMillis)
      throws IOException {
    return create(LogFormat.VERSION, file, diskId, seq, createdAtMillis);
  }

  /** As {@link #create(Path, String, long, long)}, in an older format {@code version} (tests). */
  static ChangeLogWriter create(
      int version, Path file, String diskId, long seq, long createdAtMillis) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    ByteBuffer header = LogFormat.header(version, diskId, seq, createdAtMillis);
    int headerBytes = header.remaining();
    try (FileChannel out =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(out, header, 0);
      out.force(true);
    }
    AtomicFiles.moveAtomically(tmp, file);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
    return new ChangeLogWriter(
        file,
        channel,
        diskId,
        seq,
        createdAtMillis,
        headerBytes,
        LogDigest.of(version),
        headerBytes,
        0,
        0);
  }

  /**
   * Reopens a live log after a restart: reads every whole record (handing each to {@code replay}),
   * cuts the file back to the end of the last whole record, and goes on appending from there.
   */
  public static ChangeLogWriter resume(Path file, Consumer<LogEntry> replay) throws IOException {
    try (ChangeLogReader reader = ChangeLogReader.open(file)) {
      LogEntry entry;
      while ((entry = reader.next()) != null) {
        replay.accept(entry);
      }
      FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
      if (channel.size() != reader.validEnd()) {
        channel.truncate(reader.validEnd());
        channel.force(true);
      }
      return new ChangeLogWriter(
          file,
          channel,
          reader.diskId(),
          reader.seq(),
          reader.createdAtMillis(),
          reader.headerBytes(),
          reader.digestSoFar(),
          reader.validEnd(),
          reader.recordCount(),
          reader.dataBytes());
    }
  }

  /** Appends a data record; {@code data} must be at most 4 MiB. Its position is unchanged. */
  public void appendData(long offset, ByteBuffer data) throws IOException {
    int length = data.remaining();
    int crc = Checksums.crc32c(data);
    writeRecord(LogFormat.KIND_DATA, offset, length, crc, data);
  }

  /** Appends a data record whose CRC32C the caller already checked. */
  public void append(LogEntry entry) throws IOException {
    if (entry.zero()) {
      writeRecord(LogFormat.KIND_ZERO, entry.offset(), entry.length(), 0, null);
    } else {
      writeRecord(
          LogFormat.KIND_DATA,
          entry.offset(),
          entry.length(),
          entry.crc32c(),
          ByteBuffer.wrap(entry.data()));
    }
  }

  /** Appends a zero record of at most 1 GiB. */
  public void appendZero(long offset, int length) throws IOException {
    writeRecord(LogFormat.KIND_ZERO, offset, length, 0, null);
  }

  private void writeRecord(byte kind, long offset, int length, int crc, ByteBuffer data)
      throws IOException {
    boolean zero = kind == LogFormat.KIND_ZERO;
    if (length <= 0 || (!zero && length > LogFormat.MAX_DATA_RECORD)) {
      throw new IllegalArgumentException("record length " + length + " out of range");
    }
    ByteBuffer header = LogFormat.recordHeader(kind, offset, length, crc);
    long start = position;
    try {
      writeFully(channel, header, start);
      if (!zero) {
        writeFully(channel, data.duplicate(), start + LogFormat.RECORD_HEADER_BYTES);
      }
    } catch (IOException e) {
      // A record that did not fit (a full disk) must not stay as a partial tail that a later,
      // shorter record would leave behind.
      cutBackTo(start);
      throw e;
    }
    if (!zero) {
      dataBytes += length;
    }
    // The digest and counters move only once the whole record is in the file.
    digest.add(offset, length, zero, crc, data);
    position = start + LogFormat.RECORD_HEADER_BYTES + (zero ? 0 : length);
    records++;
  }

  /** A position in the log to go back to: its end and the digest up to there. */
  public record Mark(long position, long records, long dataBytes, LogDigest digest) {}

  /** Where the log ends now. */
  public Mark mark() {
    return new Mark(position, records, dataBytes, digest.copy());
  }

  /** Cuts the log back to {@code mark}, as if nothing had been appended since. */
  public void rollback(Mark mark) throws IOException {
    channel.truncate(mark.position());
    position = mark.position();
    records = mark.records();
    dataBytes = mark.dataBytes();
    // The mark keeps its own copy, so that rolling back to it twice starts from the same state.
    digest = mark.digest().copy();
  }

  /**
   * Forces every appended record to disk. A writer closed meanwhile (by a seal, which forces the
   * file first, or by a restart that discards it) has nothing left to force.
   */
  public void force() throws IOException {
    try {
      channel.force(false);
    } catch (ClosedChannelException e) {
      // Only a close of ours means there is nothing left to force; a channel closed by anything
      // else (an interrupt) lost the records' durability, and the caller must hear of it.
      if (!finished) {
        throw e;
      }
    }
  }

  /** Writes the trailer, forces the file and closes it; the log is immutable from here on. */
  public byte[] seal(long sealedAtMillis) throws IOException {
    byte[] sum = digest.finish();
    cutBackTo(position);
    writeFully(channel, LogFormat.trailer(records, sealedAtMillis, sum), position);
    channel.force(true);
    finished = true;
    channel.close();
    return sum;
  }

  private void cutBackTo(long end) {
    try {
      if (channel.size() > end) {
        channel.truncate(end);
      }
    } catch (IOException ignored) {
      // The reader stops at the first invalid record, so a tail that cannot be cut is harmless
      // for a live log; seal() tries again before writing the trailer.
    }
  }

  public Path file() {
    return file;
  }

  public String diskId() {
    return diskId;
  }

  public long seq() {
    return seq;
  }

  public long createdAtMillis() {
    return createdAtMillis;
  }

  public long recordCount() {
    return records;
  }

  public long dataBytes() {
    return dataBytes;
  }

  /** Bytes of records in the file (header excluded). */
  public long recordBytes() {
    return position - headerBytes;
  }

  @Override
  public void close() throws IOException {
    finished = true;
    channel.close();
  }

  private static void writeFully(FileChannel channel, ByteBuffer buffer, long at)
      throws IOException {
    long pos = at;
    while (buffer.hasRemaining()) {
      pos += channel.write(buffer, pos);
    }
  }
}
