package dev.haven.agent.replication;

import com.google.protobuf.UnsafeByteOperations;
import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.disk.DiskView;
import dev.haven.agent.disk.Zeros;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.DiskChunk;
import dev.haven.protocol.WriteChunksResponse;
import dev.haven.protocol.client.AgentChannels;
import io.grpc.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Source side of the initial copy: reads one disk's point-in-time view chunk by chunk from a start
 * chunk, sends each to the target's {@code PeerService.WriteChunks} with its CRC32C (a chunk of
 * zeros goes as a marker without data), and reports progress along the way. Writes made meanwhile
 * are in the change log and reach the target after the copy.
 */
final class InitialCopySender {
  /** Progress goes to the caller every this many chunks. */
  static final int PROGRESS_EVERY = 8;

  private static final Duration STALL = Duration.ofMinutes(2);
  private static final Duration ANSWER = Duration.ofMinutes(5);

  private final AgentChannels channels;
  private final CopyTally sent;

  InitialCopySender(AgentChannels channels, CopyTally sent) {
    this.channels = channels;
    this.sent = sent;
  }

  /** What a copy did: the target's next expected chunk and what was sent. */
  record Result(long nextChunk, long bytesSent, long zeroChunks) {}

  /**
   * Copies chunks {@code startChunk} to the last one and answers the target's reply. {@code
   * progress} gets a message every few chunks; {@code cancelled} is polled between chunks.
   */
  Result copy(
      String targetAddress,
      String itemId,
      String sourceDiskId,
      String replicaDiskId,
      DiskView device,
      long startChunk,
      boolean compress,
      Consumer<CopyProgress> progress,
      BooleanSupplier cancelled)
      throws IOException {
    long size = device.size();
    long total = CopyPlan.chunkCount(size);
    BlockingUpload<DiskChunk, WriteChunksResponse> upload =
        // A few chunks may wait in the transport, so that it never idles while the next is read.
        BlockingUpload.start(
            channels.peer(targetAddress).withOnReadyThreshold(4 * CopyPlan.CHUNK_BYTES)
                ::writeChunks,
            STALL);
    // One direct buffer for every chunk: the file is read into it without the JDK's bounce copy,
    // and the message wraps it instead of copying it. Reusing it is safe because gRPC serializes a
    // message into its own buffers inside send(), before the next chunk is read.
    ByteBuffer buffer = ByteBuffer.allocateDirect(CopyPlan.CHUNK_BYTES);
    long bytesSent = 0;
    long zeroChunks = 0;
    try {
      for (long index = startChunk; index < total; index++) {
        if (cancelled.getAsBoolean()) {
          upload.cancel("the copy's caller went away", null);
          throw Status.CANCELLED
              .withDescription("the caller cancelled the copy")
              .asRuntimeException();
        }
        int length = CopyPlan.chunkLength(size, index);
        buffer.clear().limit(length);
        device.read(CopyPlan.chunkOffset(index), buffer);
        buffer.flip();
        DiskChunk.Builder chunk =
            DiskChunk.newBuilder()
                .setItemId(itemId)
                .setReplicaDiskId(replicaDiskId)
                .setChunkIndex(index)
                .setOffset(CopyPlan.chunkOffset(index))
                .setLength(length)
                .setLast(index == total - 1);
        if (Zeros.isAllZero(buffer)) {
          chunk.setZero(true);
          zeroChunks++;
        } else {
          byte[] packed = compress ? WireCompression.pack(buffer) : null;
          if (packed != null) {
            chunk.setData(UnsafeByteOperations.unsafeWrap(packed)).setCompressed(true);
          } else {
            chunk.setData(UnsafeByteOperations.unsafeWrap(buffer.duplicate()));
          }
          chunk.setCrc32C(Checksums.crc32c(buffer));
          bytesSent += chunk.getData().size();
        }
        upload.send(chunk.build());
        sent.written(sourceDiskId, index, chunk.getData().size());
        long next = index + 1;
        if ((next - startChunk) % PROGRESS_EVERY == 0 && next < total) {
          progress.accept(progress(sourceDiskId, next, total, bytesSent, zeroChunks, false));
        }
      }
      WriteChunksResponse answer = upload.finish(ANSWER);
      return new Result(answer.getNextChunk(), bytesSent, zeroChunks);
    } catch (BlockingUpload.Ended e) {
      // The target answered before the last chunk: its answer says where it stands.
      return new Result(upload.finish(ANSWER).getNextChunk(), bytesSent, zeroChunks);
    } catch (IOException | RuntimeException e) {
      upload.cancel("the source failed: " + e.getMessage(), e);
      throw e;
    }
  }

  static CopyProgress progress(
      String diskId, long next, long total, long bytesSent, long zeroChunks, boolean done) {
    return CopyProgress.newBuilder()
        .setDiskId(diskId)
        .setNextChunk(next)
        .setTotalChunks(total)
        .setBytesSent(bytesSent)
        .setZeroChunksSkipped(zeroChunks)
        .setDone(done)
        .build();
  }
}
