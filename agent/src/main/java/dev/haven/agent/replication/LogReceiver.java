package dev.haven.agent.replication;

import dev.haven.agent.ErrorStatus;
import dev.haven.agent.PreconditionException;
import dev.haven.agent.changelog.ChangeLogWriter;
import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.changelog.LogEntry;
import dev.haven.protocol.ApplyOutcome;
import dev.haven.protocol.LogFrame;
import dev.haven.protocol.LogHeader;
import dev.haven.protocol.LogRecord;
import dev.haven.protocol.LogTrailer;
import dev.haven.protocol.ShipLogResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * Target side of {@code PeerService.ShipLog}: receives one sealed log into a temporary file in the
 * replica's folder, checking every record's CRC32C as it arrives and the trailer's record count and
 * digest at the end. Only a log that passed every check is handed to {@link LogApplier}; a damaged
 * one fails with DATA_LOSS and the replica is not touched.
 */
final class LogReceiver implements StreamObserver<LogFrame> {
  private final TargetReplication target;
  private final LogApplier applier;
  private final StreamObserver<ShipLogResponse> responses;
  private LogHeader header;
  private long diskSize;
  private Path tempFile;
  private ChangeLogWriter writer;
  private final MessageDigest digest = Checksums.sha256();
  private long records;
  private boolean sealed;
  private boolean claimed;
  private boolean ended;

  LogReceiver(
      TargetReplication target, LogApplier applier, StreamObserver<ShipLogResponse> responses) {
    this.target = target;
    this.applier = applier;
    this.responses = responses;
  }

  @Override
  public void onNext(LogFrame frame) {
    if (ended) {
      return;
    }
    try {
      switch (frame.getFrameCase()) {
        case HEADER -> begin(frame.getHeader());
        case RECORD -> record(frame.getRecord());
        case TRAILER -> trailer(frame.getTrailer());
        default -> throw new IllegalArgumentException("frame: empty log frame");
      }
    } catch (Throwable t) {
      fail(t);
    }
  }

  private void begin(LogHeader h) throws IOException {
    if (header != null) {
      throw new IllegalArgumentException("header: a log has one header, sent first");
    }
    header = h;
    ReplicationRecord record = target.activeTarget(h.getItemId(), h.getReplicaDiskId());
    if (h.getDiskCount() != record.disks().size()) {
      throw new IllegalArgumentException(
          "disk_count: item '" + h.getItemId() + "' has " + record.disks().size() + " disks");
    }
    if (!record.copy(h.getReplicaDiskId()).orElseThrow().done()) {
      throw new PreconditionException(
          "the initial copy of replica disk '" + h.getReplicaDiskId() + "' is not complete");
    }
    long applied = record.diskSeq(h.getReplicaDiskId());
    if (h.getSeq() <= applied) {
      // Already applied: acknowledge at once, so the source stops sending it.
      answer(ApplyOutcome.ALREADY_APPLIED, applied);
      return;
    }
    LogApplier.checkNext(h, applied);
    target.claim(h.getReplicaDiskId());
    claimed = true;
    diskSize = target.driver().device(record.vmId(), h.getReplicaDiskId()).size();
    tempFile =
        target
            .driver()
            .folder(record.vmId())
            .resolve(h.getReplicaDiskId() + "-" + h.getSeq() + ".incoming.hrl");
    writer =
        ChangeLogWriter.create(tempFile, h.getReplicaDiskId(), h.getSeq(), h.getCreatedAtMillis());
  }

  private void record(LogRecord r) throws IOException {
    requireOpen();
    long length = r.getLength();
    if (length <= 0 || r.getOffset() < 0 || r.getOffset() > diskSize - length) {
      throw new IllegalArgumentException(
          "record "
              + records
              + " at offset "
              + r.getOffset()
              + " of "
              + length
              + " bytes lies outside the disk's "
              + diskSize
              + " bytes");
    }
    LogEntry entry;
    if (r.getZero()) {
      if (!r.getData().isEmpty() || r.getCrc32C() != 0) {
        throw dataLoss("zero record " + records + " carries data or a checksum");
      }
      entry = new LogEntry(r.getOffset(), (int) length, 0, null, true);
    } else {
      byte[] data = r.getData().toByteArray();
      if (data.length != length || Checksums.crc32c(data) != r.getCrc32C()) {
        throw dataLoss("record " + records + " fails its CRC32C");
      }
      entry = new LogEntry(r.getOffset(), (int) length, r.getCrc32C(), data, false);
    }
    writer.append(entry);
    Checksums.addRecord(
        digest,
        entry.offset(),
        entry.length(),
        entry.zero(),
        entry.crc32c(),
        entry.zero() ? null : ByteBuffer.wrap(entry.data()));
    records++;
  }

  private void trailer(LogTrailer t) throws IOException {
    requireOpen();
    if (t.getRecordCount() != records) {
      throw dataLoss("the trailer counts " + t.getRecordCount() + " records, " + records + " came");
    }
    if (!MessageDigest.isEqual(digest.digest(), t.getDigest().toByteArray())) {
      throw dataLoss("the records do not match the trailer's SHA-256 digest");
    }
    writer.seal(header.getSealedAtMillis());
    sealed = true;
  }

  private void requireOpen() {
    if (writer == null || sealed) {
      throw new IllegalArgumentException(
          "frame: records come after the header, before the trailer");
    }
  }

  private RuntimeException dataLoss(String what) {
    return Status.DATA_LOSS
        .withDescription(
            "log "
                + header.getSeq()
                + " of replica disk '"
                + header.getReplicaDiskId()
                + "': "
                + what
                + "; nothing was applied")
        .asRuntimeException();
  }

  @Override
  public void onCompleted() {
    if (ended) {
      return;
    }
    try {
      if (!sealed) {
        throw new IllegalArgumentException("trailer: the log ended without its trailer");
      }
      ShipLogResponse answer = applier.apply(header, tempFile);
      answer(answer.getOutcome(), answer.getAppliedSeq());
    } catch (Throwable t) {
      fail(t);
    }
  }

  @Override
  public void onError(Throwable t) {
    end();
  }

  private void answer(ApplyOutcome outcome, long appliedSeq) {
    end();
    responses.onNext(
        ShipLogResponse.newBuilder().setOutcome(outcome).setAppliedSeq(appliedSeq).build());
    responses.onCompleted();
  }

  private void fail(Throwable t) {
    if (!ended) {
      end();
      responses.onError(ErrorStatus.of(t));
    }
  }

  private void end() {
    ended = true;
    try {
      if (writer != null && !sealed) {
        writer.close();
      }
      if (tempFile != null) {
        Files.deleteIfExists(tempFile);
      }
    } catch (IOException ignored) {
      // A leftover temporary file is replaced by the next delivery of the same log.
    }
    if (claimed) {
      claimed = false;
      target.release(header.getReplicaDiskId());
    }
  }
}
