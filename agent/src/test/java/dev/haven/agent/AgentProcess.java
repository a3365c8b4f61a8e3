package dev.haven.agent;

import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real agent in a JVM of its own ({@link AgentMain}), so that a test can kill it with SIGKILL and
 * start it again on the same data folder and ports, as a host would after a crash.
 */
final class AgentProcess implements AutoCloseable {
  private final Path root;
  private final Path config;
  final int grpcPort;
  final int nbdPort;
  private Process process;
  private int starts;

  AgentProcess(Path root, CertificateAuthority ca) throws IOException {
    this.root = root;
    this.grpcPort = TwoAgents.freePort();
    this.nbdPort = TwoAgents.freePort();
    TlsFiles tls = ca.issue(root.resolve("tls"), "agent", List.of());
    this.config = root.resolve("agent.json");
    Files.writeString(
        config,
        String.format(
            "{\"hostName\": \"host-k\", \"site\": \"primary\", \"dataDir\": \"%s\","
                + " \"grpc\": \"127.0.0.1:%d\", \"nbd\": \"127.0.0.1:%d\","
                + " \"tls\": {\"caCert\": \"%s\", \"cert\": \"%s\", \"key\": \"%s\"}}",
            dataDir(),
            grpcPort,
            nbdPort,
            tls.caCert().toAbsolutePath(),
            tls.cert().toAbsolutePath(),
            tls.key().toAbsolutePath()));
  }

  Path dataDir() {
    return root.resolve("data").toAbsolutePath();
  }

  String grpcAddress() {
    return "127.0.0.1:" + grpcPort;
  }

  /** The agent's output of its latest start. */
  Path output() {
    return root.resolve("agent-" + starts + ".out");
  }

  /** Starts the agent and waits until it says it is ready. */
  void start() throws IOException, InterruptedException {
    starts++;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process =
        new ProcessBuilder(
                java,
                // Start-up matters more than peak speed for a test's agent.
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "-cp",
                System.getProperty("java.class.path"),
                AgentMain.class.getName(),
                "--config",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(output().toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.readString(output()).contains("agent ready")) {
        return;
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the agent did not start:\n" + Files.readString(output()));
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** SIGTERM: the agent closes cleanly. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill();
    }
  }
}
