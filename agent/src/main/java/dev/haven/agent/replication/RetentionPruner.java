package dev.haven.agent.replication;

import dev.haven.agent.replication.ReplicationRecord.PointRecord;
import dev.haven.agent.replication.ReplicationRecord.Role;
import dev.haven.agent.vm.FileVmDriver;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drops the recovery points that are older than the item's retention, and with them the undo
 * journals that only they needed. The newest point is always kept. The journal of sequence k is
 * needed only to rebuild points older than k, so every journal at or below the oldest kept point
 * goes.
 */
final class RetentionPruner {
  private static final Pattern JOURNAL = Pattern.compile("(.+)-(\\d{12})\\.undo");

  private final FileVmDriver driver;
  private final ReplicationStateStore store;

  RetentionPruner(FileVmDriver driver, ReplicationStateStore store) {
    this.driver = driver;
    this.store = store;
  }

  /** Prunes the item's points and journals as of {@code nowMillis}; answers the record. */
  ReplicationRecord prune(String itemId, long nowMillis) throws IOException {
    ReplicationRecord record = store.require(itemId);
    if (record.role() != Role.TARGET || record.recoveryPoints().isEmpty()) {
      return record;
    }
    long retention = store.recovery().get(itemId).retentionMillis();
    List<PointRecord> points =
        record.recoveryPoints().stream()
            .sorted(Comparator.comparingLong(PointRecord::seq))
            .toList();
    long newest = points.get(points.size() - 1).seq();
    List<PointRecord> kept =
        points.stream()
            .filter(
                p ->
                    retention <= 0
                        || p.seq() == newest
                        || p.createdAtMillis() >= nowMillis - retention)
            .toList();
    if (kept.size() != points.size()) {
      // The shorter list is stored before any journal goes, so a crash never leaves a listed
      // point that cannot be rebuilt.
      record = store.update(itemId, r -> r.withPoints(kept));
    }
    long oldestKept = kept.get(0).seq();
    if (driver.find(record.vmId()).isPresent()) {
      Path folder = UndoJournal.folder(driver.folder(record.vmId()));
      for (String diskId : record.localDiskIds()) {
        for (Journal journal : journals(folder, diskId)) {
          if (journal.seq() <= oldestKept) {
            Files.deleteIfExists(journal.file());
          }
        }
      }
    }
    return record;
  }

  /** An undo journal on disk. */
  record Journal(long seq, Path file, long bytes) {}

  /** The journals of one replica disk, by sequence. */
  static List<Journal> journals(Path undoFolder, String diskId) throws IOException {
    if (!Files.isDirectory(undoFolder)) {
      return List.of();
    }
    java.util.ArrayList<Journal> out = new java.util.ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(undoFolder, diskId + "-*.undo")) {
      for (Path file : files) {
        Matcher m = JOURNAL.matcher(file.getFileName().toString());
        if (m.matches() && m.group(1).equals(diskId)) {
          out.add(new Journal(Long.parseLong(m.group(2)), file, Files.size(file)));
        }
      }
    }
    out.sort(Comparator.comparingLong(Journal::seq));
    return out;
  }
}
