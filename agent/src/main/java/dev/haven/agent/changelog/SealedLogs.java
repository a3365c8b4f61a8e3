package dev.haven.agent.changelog;

import dev.haven.agent.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The sealed logs of one disk by sequence, waiting to be shipped. Not thread-safe: {@link
 * DiskChangeLogs} calls it under the disk's change-log lock.
 */
final class SealedLogs {
  private final Path dir;
  private final TreeMap<Long, FileSealedLog> bySeq = new TreeMap<>();

  SealedLogs(Path dir) {
    this.dir = dir;
  }

  void add(FileSealedLog log) {
    bySeq.put(log.seq(), log);
  }

  void addAll(Map<Long, FileSealedLog> logs) {
    bySeq.putAll(logs);
  }

  /** The newest sealed sequence, if any log is sealed. */
  OptionalLong newestSeq() {
    return bySeq.isEmpty() ? OptionalLong.empty() : OptionalLong.of(bySeq.lastKey());
  }

  List<SealedLog> list() {
    return new ArrayList<>(bySeq.values());
  }

  /** Deletes every log up to and including {@code seq}, and makes the deletion durable. */
  void discardThrough(long seq) throws IOException {
    Map<Long, FileSealedLog> done = bySeq.headMap(seq, true);
    for (FileSealedLog log : done.values()) {
      Files.deleteIfExists(log.file());
    }
    done.clear();
    AtomicFiles.forceDirectory(dir);
  }

  /** Record bytes in every sealed log. */
  long recordBytes() {
    long bytes = 0;
    for (FileSealedLog log : bySeq.values()) {
      bytes += log.recordBytes();
    }
    return bytes;
  }
}
