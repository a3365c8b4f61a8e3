package dev.haven.agent;

import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The network threads of one agent's gRPC server, its own rather than gRPC's process-wide default
 * group. The default group also carries every client channel of the process, and it hands
 * connections to its threads in turn: where two agents share a JVM (the tests, the benchmarks, an
 * embedded standalone stack), a peer's incoming copy and the outgoing copy of the same disk could
 * land on one thread, which then did the TLS of both ends alone while the other core idled. Every
 * agent process behaves the same with its own group; the threads are named after the agent.
 */
final class ServerEventLoops implements AutoCloseable {
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  ServerEventLoops(String hostName) {
    boss =
        new NioEventLoopGroup(1, new DefaultThreadFactory("agent-" + hostName + "-accept", true));
    // 0: Netty's default size, twice the cores.
    workers =
        new NioEventLoopGroup(0, new DefaultThreadFactory("agent-" + hostName + "-net", true));
  }

  /** Makes the server run on these threads (gRPC then leaves their shutdown to {@link #close}). */
  NettyServerBuilder configure(NettyServerBuilder builder) {
    return builder
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .channelType(NioServerSocketChannel.class);
  }

  /** Stops the threads, after the server that used them has terminated. */
  @Override
  public void close() {
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
