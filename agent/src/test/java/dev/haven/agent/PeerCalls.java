package dev.haven.agent;

import com.google.protobuf.ByteString;
import dev.haven.agent.changelog.Checksums;
import dev.haven.protocol.DiskChunk;
import dev.haven.protocol.LogFrame;
import dev.haven.protocol.LogHeader;
import dev.haven.protocol.LogRecord;
import dev.haven.protocol.LogTrailer;
import dev.haven.protocol.PeerServiceGrpc.PeerServiceStub;
import dev.haven.protocol.ShipLogResponse;
import dev.haven.protocol.WriteChunksResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Calls to a target's PeerService made by hand, as a faulty or replaying source would. */
final class PeerCalls {
  private PeerCalls() {}

  /** One record of a hand-made log; {@code data} null for a zero record. */
  record Rec(long offset, int length, byte[] data) {
    static Rec zero(long offset, int length) {
      return new Rec(offset, length, null);
    }

    static Rec data(long offset, byte[] data) {
      return new Rec(offset, data.length, data);
    }
  }

  /** Frames of a well-formed log: header, records with their CRC32C, trailer with the digest. */
  static List<LogFrame> log(String itemId, String diskId, long seq, int diskCount, List<Rec> recs) {
    List<LogFrame> frames = new ArrayList<>();
    frames.add(
        LogFrame.newBuilder()
            .setHeader(
                LogHeader.newBuilder()
                    .setItemId(itemId)
                    .setReplicaDiskId(diskId)
                    .setSeq(seq)
                    .setCreatedAtMillis(1000 * seq)
                    .setSealedAtMillis(1000 * seq + 500)
                    .setDiskCount(diskCount))
            .build());
    MessageDigest digest = Checksums.sha256();
    for (Rec rec : recs) {
      boolean zero = rec.data() == null;
      int crc = zero ? 0 : Checksums.crc32c(rec.data());
      Checksums.addRecord(
          digest, rec.offset(), rec.length(), zero, crc, zero ? null : ByteBuffer.wrap(rec.data()));
      LogRecord.Builder record =
          LogRecord.newBuilder()
              .setOffset(rec.offset())
              .setLength(rec.length())
              .setCrc32C(crc)
              .setZero(zero);
      if (!zero) {
        record.setData(ByteString.copyFrom(rec.data()));
      }
      frames.add(LogFrame.newBuilder().setRecord(record).build());
    }
    frames.add(
        LogFrame.newBuilder()
            .setTrailer(
                LogTrailer.newBuilder()
                    .setRecordCount(recs.size())
                    .setDigest(ByteString.copyFrom(digest.digest())))
            .build());
    return frames;
  }

  static ShipLogResponse ship(PeerServiceStub peer, List<LogFrame> frames) {
    Answer<ShipLogResponse> answer = new Answer<>();
    StreamObserver<LogFrame> requests = peer.shipLog(answer);
    frames.forEach(requests::onNext);
    requests.onCompleted();
    return answer.await();
  }

  static WriteChunksResponse writeChunks(PeerServiceStub peer, List<DiskChunk> chunks) {
    Answer<WriteChunksResponse> answer = new Answer<>();
    StreamObserver<DiskChunk> requests = peer.writeChunks(answer);
    chunks.forEach(requests::onNext);
    requests.onCompleted();
    return answer.await();
  }

  static DiskChunk chunk(String itemId, String diskId, long index, byte[] data) {
    return DiskChunk.newBuilder()
        .setItemId(itemId)
        .setReplicaDiskId(diskId)
        .setChunkIndex(index)
        .setOffset(index * data.length)
        .setLength(data.length)
        .setData(ByteString.copyFrom(data))
        .setCrc32C(Checksums.crc32c(data))
        .build();
  }

  /** Retries a call while the peer is unreachable (a restarted agent's channel reconnecting). */
  static <T> T whenReachable(Supplier<T> call) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private static final class Answer<T> implements StreamObserver<T> {
    private final CompletableFuture<T> future = new CompletableFuture<>();
    private T value;

    @Override
    public void onNext(T v) {
      value = v;
    }

    @Override
    public void onError(Throwable t) {
      future.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      future.complete(value);
    }

    T await() {
      try {
        return future.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof StatusRuntimeException s) {
          throw s;
        }
        throw new IllegalStateException(e.getCause());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
