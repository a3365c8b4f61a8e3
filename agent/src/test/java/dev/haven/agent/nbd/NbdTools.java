package dev.haven.agent.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real NBD clients (qemu-io, qemu-img, nbdcopy, nbdinfo) for tests. */
final class NbdTools {
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private NbdTools() {}

  /** What a finished command printed (stdout and stderr together) and its exit code. */
  record Result(List<String> command, int exitCode, String output) {
    Result succeeded() {
      assertThat(exitCode).as("%s failed:%n%s", command, output).isZero();
      return this;
    }
  }

  /** Runs a command to completion; output goes to a file so that no pipe can fill up. */
  static Result run(Path workDir, String... command) throws IOException, InterruptedException {
    Path output = Files.createTempFile(workDir, "tool-", ".out");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
            .start();
    boolean finished = process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      process.destroyForcibly().waitFor();
      throw new AssertionError(
          List.of(command) + " timed out after " + TIMEOUT + ":\n" + Files.readString(output));
    }
    return new Result(List.of(command), process.exitValue(), Files.readString(output));
  }

  /** Starts a long-running command, e.g. an interactive qemu-io fed through its stdin. */
  static Process start(Path output, String... command) throws IOException {
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
  }

  static String uri(int port, String export) {
    return "nbd://127.0.0.1:" + port + "/" + export;
  }

  private static java.io.File nullDevice() {
    return new java.io.File("/dev/null");
  }
}
