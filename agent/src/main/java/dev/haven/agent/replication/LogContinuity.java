package dev.haven.agent.replication;

import dev.haven.agent.PreconditionException;
import dev.haven.agent.changelog.FileSealedLog;
import dev.haven.agent.changelog.SealedLog;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

/**
 * Checks, before a source ships, that its change logs can still bring the replica level: every
 * sequence from the target's acknowledgement to the last seal must be there as a file, and every
 * image must be as long as its disk. A log deleted out of band or an image cut short means the
 * replica can no longer follow by logs: the item is marked as needing a resync (R15), and every
 * cycle refuses until a resync clears the mark, instead of letting the replica silently diverge.
 */
final class LogContinuity {
  private final ReplicationStateStore store;

  LogContinuity(ReplicationStateStore store) {
    this.store = store;
  }

  /** Refuses at once when the item was already found to need a resync. */
  void requireNoResync(String itemId) throws IOException {
    RecoveryStore.Item item = store.recovery().get(itemId);
    if (item.resyncRequired()) {
      throw refusal(itemId, item.resyncReason());
    }
  }

  /** Marks a resync and refuses when an image is shorter than its disk. */
  void checkImages(String itemId, VmRecord vm) throws IOException {
    for (VmDisk disk : vm.disks()) {
      long length = Files.exists(disk.image()) ? Files.size(disk.image()) : -1;
      if (length < disk.sizeBytes()) {
        fail(
            itemId,
            "the image of disk '"
                + disk.id()
                + "' is "
                + (length < 0 ? "missing" : length + " bytes")
                + " instead of "
                + disk.sizeBytes()
                + ": it was changed outside Haven");
      }
    }
  }

  /**
   * Marks a resync and refuses when a log between the acknowledged one and the last seal is gone.
   */
  void checkLogs(String itemId, String diskId, long ackedSeq, long lastSealed, List<SealedLog> logs)
      throws IOException {
    for (long seq = ackedSeq + 1; seq <= lastSealed; seq++) {
      SealedLog found = null;
      for (SealedLog log : logs) {
        if (log.seq() == seq) {
          found = log;
        }
      }
      boolean gone =
          found == null || (found instanceof FileSealedLog file && !Files.exists(file.file()));
      if (gone) {
        fail(
            itemId,
            "change log "
                + seq
                + " of disk '"
                + diskId
                + "' is missing (deleted outside Haven?); the target has "
                + ackedSeq);
      }
    }
  }

  private void fail(String itemId, String reason) throws IOException {
    store.recovery().update(itemId, i -> i.withResync(true, reason));
    throw refusal(itemId, reason);
  }

  private static PreconditionException refusal(String itemId, String reason) {
    return new PreconditionException(
        "item '"
            + itemId
            + "' needs a resync: "
            + reason
            + "; delta replication cannot bring the replica level, so it stops here");
  }
}
