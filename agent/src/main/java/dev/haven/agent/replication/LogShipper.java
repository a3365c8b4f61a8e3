package dev.haven.agent.replication;

import com.google.protobuf.ByteString;
import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.changelog.SealedLog;
import dev.haven.protocol.LogFrame;
import dev.haven.protocol.LogHeader;
import dev.haven.protocol.LogRecord;
import dev.haven.protocol.LogTrailer;
import dev.haven.protocol.ShipLogResponse;
import dev.haven.protocol.client.AgentChannels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;

/**
 * Sends one sealed change log to the target's {@code PeerService.ShipLog}: header, records,
 * trailer, with flow control. Each record's CRC32C is checked as the log is read, and the trailer's
 * digest at its end, so a log damaged at the source fails here with {@code CorruptLogException} and
 * the target discards what it received.
 */
final class LogShipper {
  private static final Duration STALL = Duration.ofMinutes(2);
  private static final Duration ANSWER = Duration.ofMinutes(10);

  private final AgentChannels channels;

  LogShipper(AgentChannels channels) {
    this.channels = channels;
  }

  /** What shipping a log cost: record data bytes sent, after coalescing. */
  record Shipped(ShipLogResponse response, long bytesSent) {}

  Shipped ship(
      String targetAddress,
      String itemId,
      String replicaDiskId,
      SealedLog log,
      int diskCount,
      boolean appConsistent)
      throws IOException {
    // Blocks written again later in the same log ship once; the digest is made anew over what is
    // sent, while reading the log still checks its own CRC32Cs and digest.
    Coalescer.Plan plan = Coalescer.plan(log);
    MessageDigest digest = Checksums.sha256();
    long[] sent = new long[3]; // records, data bytes, record index
    BlockingUpload<LogFrame, ShipLogResponse> upload =
        BlockingUpload.start(channels.peer(targetAddress)::shipLog, STALL);
    try {
      upload.send(
          LogFrame.newBuilder()
              .setHeader(
                  LogHeader.newBuilder()
                      .setItemId(itemId)
                      .setReplicaDiskId(replicaDiskId)
                      .setSeq(log.seq())
                      .setCreatedAtMillis(log.createdAtMillis())
                      .setSealedAtMillis(log.sealedAtMillis())
                      .setDiskCount(diskCount)
                      .setAppConsistent(appConsistent))
              .build());
      log.forEach(
          entry -> {
            List<long[]> pieces = plan.pieces(sent[2]++);
            if (pieces == null) {
              send(upload, digest, entry.offset(), entry.length(), entry.zero(), entry.data(), 0);
              sent[0]++;
              sent[1] += entry.zero() ? 0 : entry.length();
              return;
            }
            for (long[] piece : pieces) {
              int from = (int) (piece[0] - entry.offset());
              send(upload, digest, piece[0], (int) piece[1], entry.zero(), entry.data(), from);
              sent[0]++;
              sent[1] += entry.zero() ? 0 : piece[1];
            }
          });
      upload.send(
          LogFrame.newBuilder()
              .setTrailer(
                  LogTrailer.newBuilder()
                      .setRecordCount(sent[0])
                      .setDigest(ByteString.copyFrom(digest.digest())))
              .build());
      return new Shipped(upload.finish(ANSWER), sent[1]);
    } catch (BlockingUpload.Ended e) {
      // The target answered early, for example that it already applied this log.
      return new Shipped(upload.finish(ANSWER), sent[1]);
    } catch (UncheckedIOException e) {
      upload.cancel("the source failed to read its log", e);
      throw e.getCause();
    } catch (IOException | RuntimeException e) {
      upload.cancel("the source failed: " + e.getMessage(), e);
      throw e;
    }
  }

  /** Sends {@code length} bytes of a record from {@code from} in its data, with their CRC32C. */
  private static void send(
      BlockingUpload<LogFrame, ShipLogResponse> upload,
      MessageDigest digest,
      long offset,
      int length,
      boolean zero,
      byte[] data,
      int from) {
    LogRecord.Builder record = LogRecord.newBuilder().setOffset(offset).setLength(length);
    int crc = 0;
    ByteBuffer piece = null;
    if (!zero) {
      piece = ByteBuffer.wrap(data, from, length).slice();
      crc = Checksums.crc32c(piece.duplicate());
      record.setData(ByteString.copyFrom(data, from, length));
    }
    record.setCrc32C(crc).setZero(zero);
    Checksums.addRecord(digest, offset, length, zero, crc, piece);
    upload.send(LogFrame.newBuilder().setRecord(record).build());
  }
}
