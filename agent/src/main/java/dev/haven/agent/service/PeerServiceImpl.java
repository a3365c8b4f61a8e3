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
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;

/** The data plane between agents: initial-copy chunks and sealed change logs, at the target. */
public final class PeerServiceImpl extends PeerServiceGrpc.PeerServiceImplBase {
  private final TargetReplication target;

  public PeerServiceImpl(TargetReplication target) {
    this.target = target;
  }

  /**
   * The service as the agent's server runs it: initial-copy chunks are read by {@link
   * DirectChunkMarshaller} (one copy of their data), every other message by gRPC's protobuf
   * marshaller.
   */
  public ServerServiceDefinition definition() {
    ServerServiceDefinition generated = bindService();
    String writeChunks = PeerServiceGrpc.getWriteChunksMethod().getFullMethodName();
    ServerServiceDefinition.Builder service =
        ServerServiceDefinition.builder(generated.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
      if (method.getMethodDescriptor().getFullMethodName().equals(writeChunks)) {
        service.addMethod(withDirectChunks(method));
      } else {
        service.addMethod(method);
      }
    }
    return service.build();
  }

  @SuppressWarnings("unchecked")
  private static ServerMethodDefinition<DiskChunk, WriteChunksResponse> withDirectChunks(
      ServerMethodDefinition<?, ?> method) {
    var chunks = (ServerMethodDefinition<DiskChunk, WriteChunksResponse>) method;
    MethodDescriptor<DiskChunk, WriteChunksResponse> descriptor = chunks.getMethodDescriptor();
    return ServerMethodDefinition.create(
        descriptor.toBuilder(new DirectChunkMarshaller(), descriptor.getResponseMarshaller())
            .build(),
        chunks.getServerCallHandler());
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
