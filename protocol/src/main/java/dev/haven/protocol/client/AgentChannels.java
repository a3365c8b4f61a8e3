package dev.haven.protocol.client;

import dev.haven.protocol.AgentServiceGrpc;
import dev.haven.protocol.PeerServiceGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per agent address, shared by every caller in the process and closed with it.
 * Channels carry the process's mutual-TLS identity. Callers set a deadline on every call.
 */
public final class AgentChannels implements AutoCloseable {
  /** Large enough for a 4 MiB data chunk with its envelope. */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  private final ChannelCredentials credentials;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  public AgentChannels(ChannelCredentials credentials) {
    this.credentials = credentials;
  }

  /** The shared channel to {@code address} ({@code host:port}). */
  public ManagedChannel channel(String address) {
    return channels.computeIfAbsent(
        address,
        a ->
            Grpc.newChannelBuilder(a, credentials)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build());
  }

  public AgentServiceGrpc.AgentServiceBlockingStub agent(String address) {
    return AgentServiceGrpc.newBlockingStub(channel(address));
  }

  public AgentServiceGrpc.AgentServiceStub agentAsync(String address) {
    return AgentServiceGrpc.newStub(channel(address));
  }

  public PeerServiceGrpc.PeerServiceStub peer(String address) {
    return PeerServiceGrpc.newStub(channel(address));
  }

  @Override
  public void close() {
    for (ManagedChannel channel : channels.values()) {
      channel.shutdown();
    }
    for (ManagedChannel channel : channels.values()) {
      try {
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    channels.clear();
  }
}
