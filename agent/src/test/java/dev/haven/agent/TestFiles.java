package dev.haven.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.changelog.Checksums;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Files and real tools as the agent's tests use them, for tests in every package. */
public final class TestFiles {
  private TestFiles() {}

  /** SHA-256 of a whole file, in hex. */
  public static String sha256(Path file) throws IOException {
    return Checksums.sha256(file);
  }

  /**
   * Runs a real tool (qemu-img, qemu-io, nbdcopy) and asserts it exits 0, with its output if not.
   */
  public static void run(List<String> command) throws Exception {
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectInput(new File("/dev/null"))
            .start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("%s: %s", command, output).isZero();
  }
}
