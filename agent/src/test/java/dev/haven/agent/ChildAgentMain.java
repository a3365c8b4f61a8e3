package dev.haven.agent;

import dev.haven.protocol.tls.TlsFiles;
import java.nio.file.Path;

/**
 * Runs one real agent as its own process, for tests that kill it with {@code kill -9}: arguments
 * are host name, site, data folder, gRPC port, NBD port, TLS folder and TLS name. It serves until
 * it is killed. (A test-scope launcher, so that it does not depend on the product's main class.)
 */
public final class ChildAgentMain {
  private ChildAgentMain() {}

  public static void main(String[] args) throws Exception {
    AgentConfig config =
        new AgentConfig(
            args[0],
            args[1],
            Path.of(args[2]),
            "127.0.0.1",
            Integer.parseInt(args[3]),
            "127.0.0.1",
            Integer.parseInt(args[4]),
            TlsFiles.in(Path.of(args[5]), args[6]));
    AgentServer agent = AgentServer.start(config, false);
    System.out.println("READY " + agent.grpcAddress());
    System.out.flush();
    Thread.currentThread().join();
  }

  /** Starts the child agent; its output goes to {@code log}. */
  static Process launch(AgentConfig config, String tlsName, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx256m",
            // A short-lived agent on a small machine: start fast rather than peak fast.
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            ChildAgentMain.class.getName(),
            config.hostName(),
            config.site(),
            config.dataDir().toString(),
            Integer.toString(config.grpcPort()),
            Integer.toString(config.nbdPort()),
            config.tls().cert().getParent().toString(),
            tlsName)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
