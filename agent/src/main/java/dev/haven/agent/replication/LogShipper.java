package dev.haven.agent.replication;

import com.google.protobuf.ByteString;
import dev.haven.agent.changelog.SealedLog;
import dev.haven.protocol.LogFrame;
import dev.haven.protocol.LogHeader;
import dev.haven.protocol.LogRecord;
import dev.haven.protocol.LogTrailer;
import dev.haven.protocol.ShipLogResponse;
import dev.haven.protocol.client.AgentChannels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

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

  ShipLogResponse ship(
      String targetAddress, String itemId, String replicaDiskId, SealedLog log, int diskCount)
      throws IOException {
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
                      .setDiskCount(diskCount))
              .build());
      log.forEach(
          entry -> {
            LogRecord.Builder record =
                LogRecord.newBuilder()
                    .setOffset(entry.offset())
                    .setLength(entry.length())
                    .setCrc32C(entry.crc32c())
                    .setZero(entry.zero());
            if (!entry.zero()) {
              record.setData(ByteString.copyFrom(entry.data()));
            }
            upload.send(LogFrame.newBuilder().setRecord(record).build());
          });
      upload.send(
          LogFrame.newBuilder()
              .setTrailer(
                  LogTrailer.newBuilder()
                      .setRecordCount(log.recordCount())
                      .setDigest(ByteString.copyFrom(log.digest())))
              .build());
      return upload.finish(ANSWER);
    } catch (BlockingUpload.Ended e) {
      // The target answered early, for example that it already applied this log.
      return upload.finish(ANSWER);
    } catch (UncheckedIOException e) {
      upload.cancel("the source failed to read its log", e);
      throw e.getCause();
    } catch (IOException | RuntimeException e) {
      upload.cancel("the source failed: " + e.getMessage(), e);
      throw e;
    }
  }
}
