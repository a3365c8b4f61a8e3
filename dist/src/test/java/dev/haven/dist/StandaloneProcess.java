package dev.haven.dist;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code haven standalone} as a real child JVM, the way a user runs it: started with a data folder
 * and free ports, stopped with SIGTERM, started again on the same folder.
 */
final class StandaloneProcess implements AutoCloseable {
  final Path data;
  final int apiPort;
  private final List<String> command;
  private Process process;
  private Path log;
  private int starts;

  StandaloneProcess(Path data) throws IOException {
    this.data = data;
    int[] ports = freePorts(6);
    this.apiPort = ports[0];
    this.command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx768m",
            "-cp",
            System.getProperty("java.class.path"),
            HavenCli.class.getName(),
            "standalone",
            "--data",
            data.toString(),
            "--temporal",
            "test-server",
            "--api-port",
            String.valueOf(ports[0]),
            "--temporal-port",
            String.valueOf(ports[1]),
            "--agent-port-base",
            String.valueOf(ports[2]),
            "--nbd-port-base",
            String.valueOf(ports[4]));
  }

  String apiUrl() {
    return "http://127.0.0.1:" + apiPort;
  }

  /** Starts the stack and waits for its ready line. */
  void start(Duration timeout) throws IOException, InterruptedException {
    starts++;
    log = data.getParent().resolve("standalone-" + starts + ".log");
    process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!output().contains("Haven is ready")) {
      if (!process.isAlive()) {
        throw new IllegalStateException("standalone exited early:\n" + output());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("standalone not ready in time:\n" + output());
      }
      Thread.sleep(200);
    }
  }

  /** Sends SIGTERM and waits for a clean exit. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("standalone did not stop on SIGTERM:\n" + output());
    }
    return process.exitValue();
  }

  String output() {
    try {
      return log == null ? "" : Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      stop();
    }
  }

  /** Ports that are free now: two single ones, then two pairs of adjacent ones for agents. */
  private static int[] freePorts(int count) throws IOException {
    int[] ports = new int[count];
    ports[0] = freePair(false);
    ports[1] = freePair(false);
    ports[2] = freePair(true);
    ports[3] = ports[2] + 1;
    ports[4] = freePair(true);
    ports[5] = ports[4] + 1;
    return ports;
  }

  private static int freePair(boolean pair) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket first = new ServerSocket(0)) {
        int port = first.getLocalPort();
        if (!pair) {
          return port;
        }
        try (ServerSocket second = new ServerSocket(port + 1)) {
          return port;
        } catch (IOException taken) {
          // Try another pair.
        }
      }
    }
    throw new IOException("no free pair of adjacent ports");
  }
}
