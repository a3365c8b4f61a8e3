package dev.haven.agent.changelog;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the change log files of one disk in its folder ({@code <diskId>-<seq>.hrl}) and reopens
 * them after a restart or a crash: every log but the newest is sealed; the newest is the live log,
 * cut back to its last whole record, unless a crash came between its trailer and the next log.
 */
final class LogFolder {
  private static final Logger LOG = LoggerFactory.getLogger(LogFolder.class);

  private LogFolder() {}

  /** The sealed logs and the live log found. */
  record Opened(TreeMap<Long, FileSealedLog> sealed, ChangeLogWriter live) {}

  static Path fileFor(Path dir, String diskId, long seq) {
    return dir.resolve(String.format("%s-%012d.hrl", diskId, seq));
  }

  static Opened open(Path dir, String diskId, Consumer<LogEntry> replay) throws IOException {
    TreeMap<Long, Path> files = list(dir, diskId);
    TreeMap<Long, FileSealedLog> sealed = new TreeMap<>();
    if (files.isEmpty()) {
      long now = System.currentTimeMillis();
      return new Opened(sealed, ChangeLogWriter.create(fileFor(dir, diskId, 1), diskId, 1, now));
    }
    Map.Entry<Long, Path> newest = files.lastEntry();
    for (Map.Entry<Long, Path> file : files.headMap(newest.getKey()).entrySet()) {
      FileSealedLog log = FileSealedLog.open(file.getValue(), file.getKey());
      if (log.corruption() != null) {
        LOG.warn("change log {} is corrupt: {}", file.getValue(), log.corruption());
      }
      sealed.put(file.getKey(), log);
    }
    FileSealedLog newestAsSealed = FileSealedLog.open(newest.getValue(), newest.getKey());
    if (newestAsSealed.corruption() == null) {
      // A crash between writing a trailer and creating the next log: open the next one now.
      sealed.put(newest.getKey(), newestAsSealed);
      long seq = newest.getKey() + 1;
      ChangeLogWriter live =
          ChangeLogWriter.create(
              fileFor(dir, diskId, seq), diskId, seq, newestAsSealed.sealedAtMillis());
      return new Opened(sealed, live);
    }
    long before = Files.size(newest.getValue());
    ChangeLogWriter live = ChangeLogWriter.resume(newest.getValue(), replay);
    long cut = before - Files.size(newest.getValue());
    if (cut > 0) {
      LOG.warn("cut {} torn bytes from the tail of change log {}", cut, newest.getValue());
    }
    return new Opened(sealed, live);
  }

  /** The disk's log files by sequence; leftovers of interrupted work are deleted on the way. */
  private static TreeMap<Long, Path> list(Path dir, String diskId) throws IOException {
    Pattern name = Pattern.compile(Pattern.quote(diskId) + "-(\\d+)\\.hrl");
    TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, diskId + "-*")) {
      for (Path entry : entries) {
        String fileName = entry.getFileName().toString();
        Matcher matcher = name.matcher(fileName);
        if (matcher.matches()) {
          files.put(Long.parseLong(matcher.group(1)), entry);
        } else if (fileName.endsWith(".hrl.tmp") || fileName.endsWith(".incoming.hrl")) {
          // A half-written log, or a received log whose apply a crash cut short: the source
          // ships that log again.
          Files.delete(entry);
        }
      }
    }
    return files;
  }
}
