package dev.haven.agent.replication;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The quiesce hook of a VM: the executable {@code <dataDir>/scripts/<vmId>/quiesce}, run with the
 * argument {@code freeze} before an app-consistent seal and {@code thaw} after it (the thaw's
 * result is not waited on for the point). Haven installs nothing inside a VM (R5), so the hook is
 * how an operator flushes the guest's applications. Its exit code and the last part of its output
 * are kept; a missing hook, a non-zero exit or a timeout make the point crash-consistent, and the
 * result says why.
 */
public final class QuiesceHook {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  private static final int KEEP_OUTPUT = 4096;

  /** What one run of the hook did. */
  public record Result(
      boolean ran, boolean succeeded, int exitCode, String output, String reason, String hook) {}

  private final Path scriptsDir;
  private final Duration timeout;

  QuiesceHook(Path scriptsDir, Duration timeout) {
    this.scriptsDir = scriptsDir;
    this.timeout = timeout;
  }

  static Path hookOf(Path scriptsDir, String vmId) {
    return scriptsDir.resolve(vmId).resolve("quiesce");
  }

  Result freeze(String vmId) {
    return run(vmId, "freeze", timeout);
  }

  void thaw(String vmId) {
    Path hook = hookOf(scriptsDir, vmId);
    if (Files.isExecutable(hook)) {
      run(vmId, "thaw", timeout);
    }
  }

  private Result run(String vmId, String phase, Duration limit) {
    Path hook = hookOf(scriptsDir, vmId);
    String path = hook.toAbsolutePath().toString();
    if (!Files.isRegularFile(hook)) {
      return new Result(false, false, -1, "", "no quiesce hook at " + path, path);
    }
    if (!Files.isExecutable(hook)) {
      return new Result(false, false, -1, "", "quiesce hook " + path + " is not executable", path);
    }
    Process process;
    try {
      process =
          new ProcessBuilder(path, phase, vmId)
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
    } catch (IOException e) {
      return new Result(
          false, false, -1, "", "quiesce hook " + path + " did not start: " + e, path);
    }
    OutputTail tail = new OutputTail(process.getInputStream());
    tail.start();
    try {
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        tail.join(1000);
        return new Result(
            true,
            false,
            -1,
            tail.text(),
            "quiesce hook " + path + " timed out after " + limit.toMillis() + " ms",
            path);
      }
      tail.join(1000);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      return new Result(true, false, -1, tail.text(), "interrupted while quiescing", path);
    }
    int code = process.exitValue();
    boolean ok = code == 0;
    String reason = ok ? "" : "quiesce hook " + path + " exited with " + code;
    return new Result(true, ok, code, tail.text(), reason, path);
  }

  /** Reads a process's output, keeping its last few KiB. */
  private static final class OutputTail extends Thread {
    private final InputStream in;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

    OutputTail(InputStream in) {
      this.in = in;
      setDaemon(true);
    }

    @Override
    public void run() {
      byte[] buffer = new byte[4096];
      try {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          synchronized (kept) {
            kept.write(buffer, 0, n);
            if (kept.size() > 4 * KEEP_OUTPUT) {
              byte[] all = kept.toByteArray();
              kept.reset();
              kept.write(all, all.length - KEEP_OUTPUT, KEEP_OUTPUT);
            }
          }
        }
      } catch (IOException ignored) {
        // The process ended or was killed; what was read is kept.
      }
    }

    String text() {
      synchronized (kept) {
        byte[] all = kept.toByteArray();
        int from = Math.max(0, all.length - KEEP_OUTPUT);
        return new String(all, from, all.length - from, StandardCharsets.UTF_8);
      }
    }
  }
}
