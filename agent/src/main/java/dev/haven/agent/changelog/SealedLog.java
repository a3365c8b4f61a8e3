package dev.haven.agent.changelog;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A sealed change log of one disk (the seeds' {@code .hrl} file): immutable, with a trailer that
 * holds its record count and the SHA-256 digest of its records. It is kept until the target
 * acknowledges it, then discarded.
 */
public interface SealedLog {

  /** The log's sequence number; one sequence spans every disk of a VM. */
  long seq();

  /** When the first record could have been written (the previous seal). */
  long createdAtMillis();

  /** When the log was sealed: the time of the recovery point it becomes. */
  long sealedAtMillis();

  long recordCount();

  /** SHA-256 over the records in order, as written in the trailer. */
  byte[] digest();

  /** Bytes of record data in the log (what shipping it costs). */
  long dataBytes();

  /**
   * Reads every record in order, verifying each record's CRC32C and, at the end, the trailer's
   * digest; throws {@link CorruptLogException} on the first mismatch.
   */
  void forEach(Consumer<LogEntry> visitor) throws IOException;
}
