package dev.haven.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code haven <subcommand>} as a real child JVM on this build's classpath, its output in a log
 * file, started until it prints its ready text and stopped with SIGTERM.
 */
final class HavenProcess implements AutoCloseable {
  private final List<String> command = new ArrayList<>();
  private final Path log;
  private Process process;

  HavenProcess(Path log, List<String> args) {
    this.log = log;
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(HavenCli.class.getName());
    command.addAll(args);
  }

  /** Starts the process and waits until its output contains {@code readyText}. */
  HavenProcess start(String readyText, Duration timeout) throws IOException, InterruptedException {
    process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!output().contains(readyText)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(command.get(5) + " exited early:\n" + output());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(command.get(5) + " not ready in time:\n" + output());
      }
      Thread.sleep(200);
    }
    return this;
  }

  /** Sends SIGTERM and waits for the process to end; returns its exit code. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("did not stop on SIGTERM:\n" + output());
    }
    return process.exitValue();
  }

  String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
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
}
