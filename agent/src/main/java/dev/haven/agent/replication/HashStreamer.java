package dev.haven.agent.replication;

import dev.haven.agent.ErrorStatus;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.BlockHashBatch;
import dev.haven.protocol.HashBlocksRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;

/**
 * Target side of a resync ({@code PeerService.HashBlocks}): hashes the replica disk from the
 * confirmed block on, in parallel, and streams the hashes batch by batch. It sends a batch only
 * when the transport is ready, so it hashes no further ahead of the source than {@link
 * BlockHasher}'s few batches. Hashes of blocks unwritten since the last resync come from the
 * replica disk's {@link dev.haven.agent.disk.BlockHashCache} instead of its image.
 */
final class HashStreamer {
  private final TargetReplication target;

  HashStreamer(TargetReplication target) {
    this.target = target;
  }

  void stream(HashBlocksRequest request, StreamObserver<BlockHashBatch> responses) {
    ServerCallStreamObserver<BlockHashBatch> call =
        (ServerCallStreamObserver<BlockHashBatch>) responses;
    Object ready = new Object();
    call.setOnReadyHandler(
        () -> {
          synchronized (ready) {
            ready.notifyAll();
          }
        });
    call.setOnCancelHandler(
        () -> {
          synchronized (ready) {
            ready.notifyAll();
          }
        });
    try {
      ReplicationRecord record =
          target.activeTarget(request.getItemId(), request.getReplicaDiskId());
      String diskId = request.getReplicaDiskId();
      int blockSize = BlockHasher.checkBlockSize(request.getBlockSize());
      BlockDevice device = target.driver().device(record.vmId(), diskId);
      long total = BlockHasher.blockCount(device.size(), blockSize);
      long start =
          ConfirmedBlock.startBlock(
              ConfirmedBlock.read(target.driver().folder(record.vmId()), diskId),
              Math.min(request.getStartBlock(), total),
              blockSize);
      long first = start;
      try (BlockHasher.Batches batches = BlockHasher.cachedBatches(device, start, blockSize)) {
        // Always one batch, empty when nothing is left, so the source learns where it starts.
        do {
          byte[] hashes = batches.hasNext() ? batches.next() : new byte[0];
          awaitReady(call, ready);
          call.onNext(
              BlockHashBatch.newBuilder()
                  .setFirstBlock(first)
                  .setTotalBlocks(total)
                  .setHashes(com.google.protobuf.UnsafeByteOperations.unsafeWrap(hashes))
                  .build());
          first += hashes.length / BlockHasher.HASH_BYTES;
        } while (batches.hasNext());
      }
      call.onCompleted();
    } catch (Throwable t) {
      if (!call.isCancelled()) {
        call.onError(ErrorStatus.of(t));
      }
    }
  }

  private static void awaitReady(ServerCallStreamObserver<?> call, Object ready)
      throws IOException {
    synchronized (ready) {
      while (!call.isReady()) {
        if (call.isCancelled()) {
          throw Status.CANCELLED.withDescription("the source went away").asRuntimeException();
        }
        try {
          ready.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    }
  }
}
