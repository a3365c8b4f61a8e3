package dev.haven.dist.temporal;

import io.temporal.testing.TemporalDevServer;
import io.temporal.testing.TemporalDevServerOptions;
import io.temporal.testserver.TestServer;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Chooses and starts the Temporal that a standalone stack uses, from {@code --temporal
 * auto|dev-server|test-server|HOST:PORT}. The dev server is the real {@code temporal server
 * start-dev} with its web UI and a SQLite file under the data folder; the test server is the
 * in-process one from temporal-testing, in memory. {@code auto} tries the first and falls back to
 * the second, saying which it chose and why.
 */
public final class TemporalLauncher {
  public static final String NAMESPACE = "default";

  private final Path dataDir;
  private final String bindHost;
  private final int port;
  private final int uiPort;
  private final PrintStream out;

  public TemporalLauncher(Path dataDir, String bindHost, int port, int uiPort, PrintStream out) {
    this.dataDir = dataDir;
    this.bindHost = bindHost;
    this.port = port;
    this.uiPort = uiPort;
    this.out = out;
  }

  /** Starts (or connects to) the Temporal that {@code mode} names. */
  public TemporalEndpoint start(String mode) throws IOException {
    switch (mode) {
      case "auto":
        try {
          return startDevServer();
        } catch (RuntimeException | IOException e) {
          out.println(
              "Temporal dev server unavailable ("
                  + rootMessage(e)
                  + "); falling back to the in-process test server (in memory, no web UI).");
          return startTestServer();
        }
      case "dev-server":
        return startDevServer();
      case "test-server":
        return startTestServer();
      default:
        if (!mode.matches("[^:\\s]+:\\d{1,5}")) {
          throw new IllegalArgumentException(
              "--temporal must be auto, dev-server, test-server or HOST:PORT, not '" + mode + "'");
        }
        return external(mode);
    }
  }

  private TemporalEndpoint startDevServer() throws IOException {
    Path home = dataDir.resolve("temporal");
    Files.createDirectories(home);
    TemporalDevServerOptions.Builder options =
        TemporalDevServerOptions.newBuilder()
            .setIp(bindHost)
            .setPort(port)
            .setUiEnabled(true)
            .setUiPort(uiPort)
            .setDatabaseFilename(home.resolve("temporal.sqlite").toString())
            .setLogFile(home.resolve("temporal.log").toString())
            .setStartupTimeout(Duration.ofSeconds(30));
    Optional<Path> binary = findTemporalBinary(home);
    if (binary.isPresent()) {
      options.setExistingPath(binary.get().toString()).setDownloadEnabled(false);
    } else {
      options.setDownloadEnabled(true).setDownloadDestination(home.resolve("bin").toString());
    }
    TemporalDevServer server = TemporalDevServer.start(options.build());
    String ui = "http://" + bindHost + ":" + uiPort;
    return new Endpoint(server.getTarget(), "dev-server", Optional.of(ui), server::close);
  }

  private TemporalEndpoint startTestServer() {
    TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port);
    return new Endpoint("127.0.0.1:" + port, "test-server", Optional.empty(), server::close);
  }

  private static TemporalEndpoint external(String target) {
    return new Endpoint(target, "external", Optional.empty(), () -> {});
  }

  /** A {@code temporal} binary in the data folder or on PATH. */
  static Optional<Path> findTemporalBinary(Path home) {
    Path local = home.resolve("bin").resolve("temporal");
    if (Files.isExecutable(local)) {
      return Optional.of(local);
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir, "temporal");
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  private record Endpoint(String target, String kind, Optional<String> uiUrl, Runnable closer)
      implements TemporalEndpoint {
    @Override
    public String namespace() {
      return NAMESPACE;
    }

    @Override
    public void close() {
      closer.run();
    }
  }
}
