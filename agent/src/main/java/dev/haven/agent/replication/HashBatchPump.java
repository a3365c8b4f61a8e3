package dev.haven.agent.replication;

import dev.haven.agent.ErrorStatus;
import dev.haven.protocol.BlockHashBatch;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * The sending half of {@link HashStreamer}: sends hash batches while the call is ready and returns
 * as soon as it is not; the call's on-ready handler calls {@link #drain} again. Its methods run in
 * the call's handlers, which gRPC runs one at a time, so they need no lock of their own.
 */
final class HashBatchPump {
  private final ServerCallStreamObserver<BlockHashBatch> call;
  private BlockHasher.Batches batches;
  private long first;
  private long total;
  private boolean sentOne;
  private boolean ended;

  HashBatchPump(ServerCallStreamObserver<BlockHashBatch> call) {
    this.call = call;
  }

  void open(BlockHasher.Batches batches, long first, long total) {
    this.batches = batches;
    this.first = first;
    this.total = total;
  }

  /** Sends batches until the call is not ready or the last one went; then completes the call. */
  void drain() {
    if (ended || batches == null) {
      return;
    }
    try {
      while (call.isReady()) {
        // Always one batch, empty when nothing is left, so the source learns where it starts.
        if (sentOne && !batches.hasNext()) {
          close();
          call.onCompleted();
          return;
        }
        byte[] hashes = batches.hasNext() ? batches.next() : new byte[0];
        call.onNext(
            BlockHashBatch.newBuilder()
                .setFirstBlock(first)
                .setTotalBlocks(total)
                .setHashes(com.google.protobuf.UnsafeByteOperations.unsafeWrap(hashes))
                .build());
        sentOne = true;
        first += hashes.length / BlockHasher.HASH_BYTES;
      }
    } catch (Throwable t) {
      fail(t);
    }
  }

  void fail(Throwable t) {
    close();
    if (!call.isCancelled()) {
      call.onError(ErrorStatus.of(t));
    }
  }

  /** Stops hashing ahead: the stream ended, failed, or the source went away. */
  void close() {
    ended = true;
    if (batches != null) {
      batches.close();
    }
  }
}
