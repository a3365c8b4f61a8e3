package dev.haven.agent.service;

import dev.haven.agent.replication.TargetReplication;
import dev.haven.protocol.BlockHashBatch;
import dev.haven.protocol.DiskChunk;
import dev.haven.protocol.HashBlocksRequest;
import dev.haven.protocol.LogFrame;
import dev.haven.protocol.PeerServiceGrpc;
import dev.haven.protocol.ResyncBlock;
import dev.haven.protocol.ShipLogResponse;
import dev.haven.protocol.WriteBlocksResponse;
import dev.haven.protocol.WriteChunksResponse;
import io.grpc.stub.StreamObserver;

/** The data plane between agents: initial-copy chunks and sealed change logs, at the target. */
public final class PeerServiceImpl extends PeerServiceGrpc.PeerServiceImplBase {
  private final TargetReplication target;

  public PeerServiceImpl(TargetReplication target) {
    this.target = target;
  }

  @Override
  public StreamObserver<DiskChunk> writeChunks(StreamObserver<WriteChunksResponse> responses) {
    return target.receiveChunks(responses);
  }

  @Override
  public StreamObserver<LogFrame> shipLog(StreamObserver<ShipLogResponse> responses) {
    return target.receiveLog(responses);
  }

  // --- resync (R15) ---
  @Override
  public void hashBlocks(HashBlocksRequest request, StreamObserver<BlockHashBatch> responses) {
    target.hashBlocks(request, responses);
  }

  @Override
  public StreamObserver<ResyncBlock> writeBlocks(StreamObserver<WriteBlocksResponse> responses) {
    return target.receiveBlocks(responses);
  }
  // --- end resync (R15) ---
}
