package dev.haven.agent.scripts;

import dev.haven.agent.NotFoundException;
import dev.haven.agent.PreconditionException;
import dev.haven.protocol.RunScriptResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the pre and post scripts of recovery plans (R18). Only files of one folder, the agent's
 * {@code <dataDir>/scripts/plans}, can run: a plan names a script, it never carries code, so an
 * operator decides what a host may run by what they put in that folder. Output is kept up to {@link
 * #MAX_OUTPUT_BYTES}; the rest is read and dropped so that a chatty script cannot block on a full
 * pipe.
 */
public final class ScriptRunner {
  /** The most output kept per run. */
  public static final int MAX_OUTPUT_BYTES = 64 * 1024;

  /** The longest a script may be allowed to run. */
  static final int MAX_TIMEOUT_SECONDS = 3600;

  private final Path folder;

  public ScriptRunner(Path folder) {
    this.folder = folder;
  }

  /** The scripts folder under an agent's data folder. */
  public static Path folderOf(Path dataDir) {
    return dataDir.resolve("scripts").resolve("plans");
  }

  /**
   * Runs script {@code name} with {@code args}, killing it after {@code timeoutSeconds}. A bad name
   * is an {@link IllegalArgumentException}, a missing script a {@link NotFoundException}.
   */
  public RunScriptResponse run(String name, List<String> args, int timeoutSeconds)
      throws IOException, InterruptedException {
    Path script = resolve(name);
    int timeout = Math.max(1, Math.min(MAX_TIMEOUT_SECONDS, timeoutSeconds));
    List<String> command = new ArrayList<>();
    command.add(script.toString());
    command.addAll(args);
    long start = System.nanoTime();
    Process process =
        new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    BoundedOutput output = new BoundedOutput(process.getInputStream());
    Thread reader = new Thread(output, "script-output-" + name);
    reader.setDaemon(true);
    reader.start();
    boolean finished = process.waitFor(timeout, TimeUnit.SECONDS);
    if (!finished) {
      // Kill the whole tree, the script first (so that a shell does not report its children's
      // deaths): its children would otherwise keep the output pipe open.
      List<ProcessHandle> children = process.descendants().toList();
      process.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
      process.waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(TimeUnit.SECONDS.toMillis(5));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return RunScriptResponse.newBuilder()
        .setExitCode(finished ? process.exitValue() : -1)
        .setOutput(output.text())
        .setOutputTruncated(output.truncated())
        .setTimedOut(!finished)
        .setDurationMillis(millis)
        .build();
  }

  private Path resolve(String name) {
    if (!isPlainName(name)) {
      throw new IllegalArgumentException(
          "script name '" + name + "' must be a file name in the scripts folder, without a path");
    }
    Path script = folder.resolve(name);
    if (!Files.isRegularFile(script)) {
      throw new NotFoundException("script '" + name + "' is not in " + folder);
    }
    if (!Files.isExecutable(script)) {
      throw new PreconditionException("script '" + name + "' in " + folder + " is not executable");
    }
    return script;
  }

  /** True for a name that stays inside one folder: no separator, not empty, not a dot name. */
  public static boolean isPlainName(String name) {
    return name != null
        && !name.isBlank()
        && !name.equals(".")
        && !name.equals("..")
        && name.indexOf('/') < 0
        && name.indexOf('\\') < 0
        && name.indexOf('\0') < 0;
  }

  /** Reads a stream to its end, keeping the first {@link #MAX_OUTPUT_BYTES}. */
  private static final class BoundedOutput implements Runnable {
    private final InputStream in;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private volatile boolean truncated;

    BoundedOutput(InputStream in) {
      this.in = in;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          int room = MAX_OUTPUT_BYTES - kept.size();
          if (n > room) {
            truncated = true;
          }
          synchronized (kept) {
            kept.write(buffer, 0, Math.max(0, Math.min(n, room)));
          }
        }
      } catch (IOException e) {
        // The process was killed: what was read so far is the output.
      }
    }

    String text() {
      synchronized (kept) {
        return kept.toString(StandardCharsets.UTF_8);
      }
    }

    boolean truncated() {
      return truncated;
    }
  }
}
