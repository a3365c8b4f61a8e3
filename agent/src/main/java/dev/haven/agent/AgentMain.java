package dev.haven.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.protocol.tls.TlsFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one agent as a process of its own from a JSON config file, so that tests and benchmarks can
 * kill it for real ({@code kill -9}) and start it again on the same folder. The file has the shape
 * of the launcher's {@code agent.yml} (JSON is YAML too), so one file serves both:
 *
 * <pre>
 * {"hostName": "h", "site": "s", "dataDir": "/d", "grpc": "127.0.0.1:7401",
 *  "nbd": "127.0.0.1:10809", "tls": {"caCert": "…", "cert": "…", "key": "…"},
 *  "hypervisor": "file"}
 * </pre>
 *
 * {@code hypervisor} is {@code file} (the default) or {@code qemu}; {@code qemuAccel} ({@code
 * auto}, {@code kvm}, {@code tcg}) picks QEMU's accelerator; {@code vaultKeyring} names the vault
 * keyring file for cloud sites. {@code --hypervisor NAME} after the config file overrides the
 * file's choice.
 *
 * <p>Once both servers listen it prints one line, {@code agent ready grpc=HOST:PORT nbd=HOST:PORT},
 * on standard output. SIGTERM closes the agent cleanly (every disk and log flushed).
 */
public final class AgentMain {
  private AgentMain() {}

  /** The config file's fields. */
  record FileConfig(
      String hostName,
      String site,
      String dataDir,
      String grpc,
      String nbd,
      Tls tls,
      String hypervisor,
      String qemuAccel,
      String vaultKeyring) {
    AgentConfig toAgentConfig() {
      String[] grpcAddress = split(grpc, "grpc");
      String[] nbdAddress = split(nbd, "nbd");
      return new AgentConfig(
          hostName,
          site,
          Path.of(dataDir),
          grpcAddress[0],
          Integer.parseInt(grpcAddress[1]),
          nbdAddress[0],
          Integer.parseInt(nbdAddress[1]),
          new TlsFiles(Path.of(tls.caCert()), Path.of(tls.cert()), Path.of(tls.key())),
          hypervisor,
          qemuAccel,
          vaultKeyring == null || vaultKeyring.isBlank() ? null : Path.of(vaultKeyring));
    }

    private static String[] split(String hostPort, String field) {
      int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(field + " must be HOST:PORT, got " + hostPort);
      }
      return new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1)};
    }
  }

  /** The {@code tls} section: CA certificate, certificate and key, as PEM file paths. */
  record Tls(String caCert, String cert, String key) {}

  public static void main(String[] args) throws IOException, InterruptedException {
    boolean withHypervisor = args.length == 4 && args[2].equals("--hypervisor");
    if ((args.length != 2 && !withHypervisor) || !args[0].equals("--config")) {
      System.err.println("usage: AgentMain --config agent.json [--hypervisor file|qemu]");
      System.exit(2);
    }
    FileConfig file =
        new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .readValue(Path.of(args[1]).toFile(), FileConfig.class);
    AgentConfig config = file.toAgentConfig();
    if (withHypervisor) {
      config = config.withHypervisor(args[3]);
    }
    AgentServer server = AgentServer.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "agent-shutdown"));
    System.out.println("agent ready grpc=" + server.grpcAddress() + " nbd=" + server.nbdAddress());
    System.out.flush();
    stopped.await();
  }
}
