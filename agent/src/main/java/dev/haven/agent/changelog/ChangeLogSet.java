package dev.haven.agent.changelog;

import java.io.IOException;
import java.util.List;

/**
 * The change logs of one disk, kept beside its image: the live log that every guest write goes
 * into, and the sealed logs waiting to be shipped. Sealing is atomic with respect to writes: a
 * write lands either in the sealed log or in the next one, never in both or neither.
 */
public interface ChangeLogSet {

  /** The sequence that the live log will have when sealed. */
  long liveSeq();

  /**
   * Seals the live log as {@link #liveSeq()} and opens the next sequence. Sealing an empty log is
   * allowed: it yields a recovery point with no records.
   */
  SealedLog seal() throws IOException;

  /**
   * Skips sequences so that the live log gets {@code seq}, discarding the live log's records; used
   * when replication starts, since the initial copy covers every write made before it.
   */
  void restartAt(long seq) throws IOException;

  /** Sealed logs not yet discarded, in sequence order. */
  List<SealedLog> sealed() throws IOException;

  /** Deletes every sealed log with a sequence up to and including {@code seq}. */
  void discardThrough(long seq) throws IOException;

  /** Record bytes in the live log and in every sealed log not yet discarded. */
  long pendingBytes() throws IOException;
}
