package dev.haven.dist;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code haven standalone} as a real child JVM, the way a user runs it: started with a data folder
 * and free ports, stopped with SIGTERM, started again on the same folder.
 */
final class StandaloneProcess implements AutoCloseable {
  final Path data;
  final int apiPort;
  final int temporalPort;
  private final List<String> args;
  private HavenProcess process;
  private int starts;

  StandaloneProcess(Path data) throws IOException {
    this.data = data;
    int[] ports = freePorts(6);
    this.apiPort = ports[0];
    this.temporalPort = ports[1];
    this.args =
        List.of(
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
    process = new HavenProcess(data.getParent().resolve("standalone-" + starts + ".log"), args);
    process.start("Haven is ready", timeout);
  }

  /** Sends SIGTERM and waits for a clean exit. */
  int stop() throws InterruptedException {
    return process.stop();
  }

  String output() {
    return process == null ? "" : process.output();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null) {
      process.close();
    }
  }

  /** Ports that are free now: two single ones, then two pairs of adjacent ones for agents. */
  static int[] freePorts(int count) throws IOException {
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
