package dev.haven.cloud.store;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A real storage server (s3proxy, Azurite) run by a test as a child process on a loopback port. It
 * starts on port 0 and reports the port the server printed; {@link #stop()} ends it and {@link
 * #start()} brings it back on the same port, which is how tests take a server away mid-use. The
 * server's output goes to a log file under {@code target/test-servers}.
 */
abstract class ChildServer implements AutoCloseable {
  /** How long a server may take to say it listens before the test gives up on it. */
  private static final long START_LIMIT_SECONDS = 120;

  private final String name;
  private final Pattern listening;
  private Process process;
  private int port;
  private int starts;

  /** The server's base address on loopback, for a location's {@code endpoint}. */
  abstract String endpoint();

  /**
   * A location for {@code container[/prefix]} (a bucket, for S3) on this server with its
   * credentials and the {@code extra} options ({@code a=1&b=2}, may be empty).
   */
  abstract String location(String containerAndPrefix, String extra);

  ChildServer(String name, Pattern listening) {
    this.name = name;
    this.listening = listening;
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
  }

  /**
   * Skips the test when a server is not installed on a developer's machine, but fails it under CI
   * (CI=true), where every server must be there: a skipped test would hide a missing install step.
   */
  static void unavailable(String message) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (CI=true, so this is a failure, not a skip)");
    }
    // A class-level skip shows in Maven's summary only as "Tests run: 0", so say it aloud too.
    System.err.println("SKIPPED: " + message);
    Assumptions.abort(message);
  }

  /** The command that runs the server on {@code port} (0: any free port). */
  protected abstract List<String> command(int port) throws IOException;

  synchronized void start() throws IOException {
    if (process != null) {
      return;
    }
    ProcessBuilder builder = new ProcessBuilder(command(port)).redirectErrorStream(true);
    Path log =
        Path.of("target", "test-servers", name + "-" + ProcessHandle.current().pid() + ".log");
    Files.createDirectories(log.getParent());
    process = builder.start();
    starts++;
    CompletableFuture<Integer> ready = new CompletableFuture<>();
    Process started = process;
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader out =
                      new BufferedReader(
                          new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
                  PrintWriter file =
                      new PrintWriter(
                          Files.newBufferedWriter(
                              log,
                              StandardCharsets.UTF_8,
                              java.nio.file.StandardOpenOption.CREATE,
                              java.nio.file.StandardOpenOption.APPEND))) {
                file.println("---- start " + starts + ": " + String.join(" ", builder.command()));
                String line;
                while ((line = out.readLine()) != null) {
                  file.println(line);
                  file.flush();
                  Matcher m = listening.matcher(line);
                  if (m.find()) {
                    ready.complete(Integer.parseInt(m.group(1)));
                  }
                }
              } catch (IOException e) {
                ready.completeExceptionally(e);
              }
              int exit;
              try {
                exit = started.waitFor();
              } catch (InterruptedException e) {
                exit = -1;
              }
              ready.completeExceptionally(
                  new IOException(name + " exited with " + exit + "; see " + log));
            },
            name + "-output");
    pump.setDaemon(true);
    pump.start();
    try {
      port = ready.get(START_LIMIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new IOException("interrupted while starting " + name, e);
    } catch (ExecutionException | TimeoutException e) {
      stop();
      throw new IOException(
          name + " did not start listening within " + START_LIMIT_SECONDS + " s; see " + log, e);
    }
  }

  /**
   * Ends the server. SIGTERM first: Azurite keeps its metadata in memory and saves it on a clean
   * exit only, so a SIGKILL would lose the containers a restarted server should still have.
   */
  synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    process = null;
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    stop();
  }
}
