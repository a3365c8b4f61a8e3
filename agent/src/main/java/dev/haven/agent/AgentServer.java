package dev.haven.agent;

import java.io.IOException;

/** PLACEHOLDER: the agent helper replaces this file. Its public API is fixed here. */
public final class AgentServer implements AutoCloseable {
  private AgentServer() {}

  /**
   * Opens the agent's data folder (VMs, disks, change logs, replication state), powers on the VMs
   * that were running when it stopped, and starts the gRPC server (mutual TLS) and the NBD server.
   */
  public static AgentServer start(AgentConfig config) throws IOException {
    throw new UnsupportedOperationException("not yet written");
  }

  /** host:port of the gRPC endpoint. */
  public String grpcAddress() {
    throw new UnsupportedOperationException();
  }

  /** host:port of the NBD server. */
  public String nbdAddress() {
    throw new UnsupportedOperationException();
  }

  /** Stops both servers and flushes every disk and log. Running VMs stay marked as running. */
  @Override
  public void close() {}
}
