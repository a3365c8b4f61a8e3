package dev.haven.agent.replication;

import dev.haven.agent.PreconditionException;
import dev.haven.agent.changelog.FileSealedLog;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ApplyOutcome;
import dev.haven.protocol.LogHeader;
import dev.haven.protocol.ShipLogResponse;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a received, verified log to its replica disk, strictly in sequence order and exactly
 * once: the applied sequence is stored only after the image is forced to disk. Records are absolute
 * writes, so an apply cut short by a crash is simply done again when the log is shipped again.
 *
 * <p>Before the first record is written, the old contents of every block the log overwrites are
 * saved in its {@link UndoJournal} and forced, so that older recovery points can be rebuilt. A redo
 * after a crash keeps the journal the first attempt wrote (the replica may already hold new data).
 * An apply that fails half-way (a full disk) is undone from the journal, so nothing partial stays.
 */
final class LogApplier {
  private static final Logger LOG = LoggerFactory.getLogger(LogApplier.class);

  private final TargetReplication target;

  LogApplier(TargetReplication target) {
    this.target = target;
  }

  /** Refuses a log that is not the next one after {@code applied}. */
  static void checkNext(LogHeader header, long applied) {
    if (header.getSeq() != applied + 1) {
      throw new PreconditionException(
          "log gap on replica disk '"
              + header.getReplicaDiskId()
              + "': applied "
              + applied
              + ", so the next log is "
              + (applied + 1)
              + ", not "
              + header.getSeq());
    }
  }

  ShipLogResponse apply(LogHeader header, Path verifiedLog) throws IOException {
    String itemId = header.getItemId();
    String diskId = header.getReplicaDiskId();
    ReplicationRecord record = target.activeTarget(itemId, diskId);
    long applied = record.diskSeq(diskId);
    if (header.getSeq() <= applied) {
      return answer(ApplyOutcome.ALREADY_APPLIED, applied);
    }
    checkNext(header, applied);
    RecoveryStore.Item recovery = target.store().recovery().get(itemId);
    if (recovery.rollbackPending()) {
      throw new PreconditionException(
          "item '"
              + itemId
              + "' is being rolled back to rp-"
              + recovery.rollbackTo()
              + "; logs after it can no longer be applied");
    }
    BlockDevice device = target.driver().device(record.vmId(), diskId);
    Path vmFolder = target.driver().folder(record.vmId());
    FileSealedLog log = FileSealedLog.open(verifiedLog, header.getSeq());
    // First pass: where the log writes (checking every CRC32C and the digest once more).
    List<long[]> ranges = new ArrayList<>();
    log.forEach(entry -> ranges.add(new long[] {entry.offset(), entry.length()}));
    List<long[]> blocks = UndoJournal.blocks(ranges, device.size());
    Path journal;
    try {
      journal =
          UndoJournal.record(
              vmFolder, diskId, header.getSeq(), identity(header, log), blocks, device);
    } finally {
      UndoJournal.deleteTemporary(vmFolder, diskId, header.getSeq());
    }
    requireRoom(vmFolder, log, header);
    try {
      log.forEach(entry -> write(device, entry));
      device.flush();
    } catch (IOException | RuntimeException e) {
      undo(journal, device, e);
      throw e;
    }
    ReplicationRecord after =
        target
            .store()
            .update(
                itemId,
                r ->
                    r.withApplied(
                        diskId,
                        header.getSeq(),
                        header.getSealedAtMillis(),
                        header.getAppConsistent()));
    try {
      target.pruner().prune(itemId, System.currentTimeMillis());
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not prune the recovery points of item {}", itemId, e);
    }
    return answer(ApplyOutcome.APPLIED, after.diskSeq(diskId));
  }

  /**
   * What ties a journal to one delivery of one log: its digest and seal time. A redo of the same
   * log matches; a log of the same sequence from an earlier replication of the item (even one with
   * the same records) does not, so its journal is written anew from the replica as it is now.
   */
  private static byte[] identity(LogHeader header, FileSealedLog log) {
    byte[] digest = log.digest();
    return ByteBuffer.allocate(digest.length + 8)
        .put(digest)
        .putLong(header.getSealedAtMillis())
        .array();
  }

  /**
   * Refuses to start writing when the replica's file system may not hold what the log adds (holes
   * of the sparse image that it fills), so a full disk fails before any block changes.
   */
  private static void requireRoom(Path vmFolder, FileSealedLog log, LogHeader header)
      throws IOException {
    long free = Files.getFileStore(vmFolder).getUsableSpace();
    if (free < log.dataBytes()) {
      throw Status.RESOURCE_EXHAUSTED
          .withDescription(
              "No space left on the target for log "
                  + header.getSeq()
                  + " of replica disk '"
                  + header.getReplicaDiskId()
                  + "': it may need "
                  + log.dataBytes()
                  + " bytes, "
                  + free
                  + " are free; nothing was applied. Free space and replicate again")
          .asRuntimeException();
    }
  }

  private static void write(BlockDevice device, dev.haven.agent.changelog.LogEntry entry) {
    try {
      if (entry.zero()) {
        device.writeZeroes(entry.offset(), entry.length(), false);
      } else {
        device.write(entry.offset(), ByteBuffer.wrap(entry.data()), false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Puts the old blocks back after a failed apply; the journal goes only if that worked. */
  private static void undo(Path journal, BlockDevice device, Exception cause) {
    try {
      UndoJournal.restore(journal, device);
      device.flush();
      Files.deleteIfExists(journal);
    } catch (IOException | RuntimeException e) {
      // The journal stays: the redo of this log reuses it, so the old data is not lost.
      cause.addSuppressed(e);
    }
  }

  private static ShipLogResponse answer(ApplyOutcome outcome, long appliedSeq) {
    return ShipLogResponse.newBuilder().setOutcome(outcome).setAppliedSeq(appliedSeq).build();
  }
}
