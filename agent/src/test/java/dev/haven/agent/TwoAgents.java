package dev.haven.agent;

import dev.haven.agent.vm.FileVmDriver;
import dev.haven.protocol.AgentServiceGrpc.AgentServiceBlockingStub;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two real agents in this JVM, "a" (the source site) and "b" (the target site), each with its own
 * data folder and certificate from one CA, plus a worker identity to call them with. Ports are
 * fixed at first start so that an agent restarted on the same folder keeps its address, as a real
 * host does.
 */
final class TwoAgents implements AutoCloseable {
  final Path root;
  final CertificateAuthority ca;
  private final AgentConfig configA;
  private final AgentConfig configB;
  private final AgentChannels client;
  AgentServer a;
  AgentServer b;

  private TwoAgents(Path root) throws IOException {
    this.root = root;
    this.ca = CertificateAuthority.loadOrCreate(root.resolve("ca"));
    this.configA = config("a", "primary");
    this.configB = config("b", "secondary");
    TlsFiles worker = ca.issue(root.resolve("worker"), "worker", List.of());
    this.client = new AgentChannels(worker.channelCredentials());
  }

  static TwoAgents start(Path root) throws IOException {
    TwoAgents agents = new TwoAgents(root);
    agents.a = AgentServer.start(agents.configA, false);
    agents.b = AgentServer.start(agents.configB, false);
    return agents;
  }

  private AgentConfig config(String name, String site) throws IOException {
    TlsFiles tls = ca.issue(root.resolve(name).resolve("tls"), "agent-" + name, List.of());
    // One vault keyring for both, as the agents of one installation share it.
    return new AgentConfig(
            "host-" + name,
            site,
            root.resolve(name).resolve("data"),
            "127.0.0.1",
            freePort(),
            "127.0.0.1",
            freePort(),
            tls)
        .withVaultKeyring(root.resolve("vault.keyring"));
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  AgentServiceBlockingStub agentA() {
    return client.agent(a.grpcAddress()).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  AgentServiceBlockingStub agentB() {
    return client.agent(b.grpcAddress()).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  AgentChannels client() {
    return client;
  }

  FileVmDriver driverA() {
    return a.driver();
  }

  FileVmDriver driverB() {
    return b.driver();
  }

  Path dataA() {
    return configA.dataDir();
  }

  Path dataB() {
    return configB.dataDir();
  }

  void stopB() {
    b.close();
    b = null;
  }

  void startB() throws IOException {
    b = AgentServer.start(configB, false);
    // a's channel to b went into gRPC's reconnect back-off while b was down; without this reset
    // the next test whose first call fails before dialing b would inherit that back-off.
    a.channels().channel(b.grpcAddress()).resetConnectBackoff();
  }

  void restartBoth() throws IOException {
    a.close();
    b.close();
    a = AgentServer.start(configA, false);
    b = AgentServer.start(configB, false);
  }

  @Override
  public void close() {
    client.close();
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }
}
