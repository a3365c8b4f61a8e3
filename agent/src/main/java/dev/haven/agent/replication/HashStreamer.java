package dev.haven.agent.replication;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.BlockHashBatch;
import dev.haven.protocol.HashBlocksRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * Target side of a resync ({@code PeerService.HashBlocks}): hashes the replica disk from the
 * confirmed block on, in parallel, and streams the hashes batch by batch. It sends a batch only
 * when the transport is ready, so it hashes no further ahead of the source than {@link
 * BlockHasher}'s few batches. Hashes of blocks unwritten since the last resync come from the
 * replica disk's {@link dev.haven.agent.disk.BlockHashCache} instead of its image.
 *
 * <p>The stream is driven by the call's on-ready handler, never by a thread that waits for
 * readiness: gRPC runs a server call's handlers one at a time, so a method that blocked until the
 * call became ready would hold back the very on-ready event it waits for. (It did: each time the
 * source's flow-control window filled, the stream stalled until a one-second poll noticed, which
 * made up most of a resync of a disk with few differing blocks.)
 */
final class HashStreamer {
  private final TargetReplication target;

  HashStreamer(TargetReplication target) {
    this.target = target;
  }

  void stream(HashBlocksRequest request, StreamObserver<BlockHashBatch> responses) {
    ServerCallStreamObserver<BlockHashBatch> call =
        (ServerCallStreamObserver<BlockHashBatch>) responses;
    HashBatchPump pump = new HashBatchPump(call);
    call.setOnReadyHandler(pump::drain);
    call.setOnCancelHandler(pump::close);
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
      pump.open(BlockHasher.cachedBatches(device, start, blockSize), start, total);
    } catch (Throwable t) {
      pump.fail(t);
      return;
    }
    // gRPC also calls the handler once this method returns, if the call is ready by then.
    pump.drain();
  }
}
