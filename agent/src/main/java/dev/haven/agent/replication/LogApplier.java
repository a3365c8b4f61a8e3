package dev.haven.agent.replication;

import dev.haven.agent.PreconditionException;
import dev.haven.agent.changelog.FileSealedLog;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ApplyOutcome;
import dev.haven.protocol.LogHeader;
import dev.haven.protocol.ShipLogResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Applies a received, verified log to its replica disk, strictly in sequence order and exactly
 * once: the applied sequence is stored only after the image is forced to disk. Records are absolute
 * writes, so an apply cut short by a crash is simply done again when the log is shipped again.
 */
final class LogApplier {
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
    BlockDevice device = target.driver().device(record.vmId(), diskId);
    try {
      // forEach checks every record's CRC32C and the digest once more, now from the file.
      FileSealedLog.open(verifiedLog, header.getSeq())
          .forEach(
              entry -> {
                try {
                  if (entry.zero()) {
                    device.writeZeroes(entry.offset(), entry.length(), false);
                  } else {
                    device.write(entry.offset(), ByteBuffer.wrap(entry.data()), false);
                  }
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    device.flush();
    ReplicationRecord after =
        target
            .store()
            .update(
                itemId, r -> r.withApplied(diskId, header.getSeq(), header.getSealedAtMillis()));
    return answer(ApplyOutcome.APPLIED, after.diskSeq(diskId));
  }

  private static ShipLogResponse answer(ApplyOutcome outcome, long appliedSeq) {
    return ShipLogResponse.newBuilder().setOutcome(outcome).setAppliedSeq(appliedSeq).build();
  }
}
