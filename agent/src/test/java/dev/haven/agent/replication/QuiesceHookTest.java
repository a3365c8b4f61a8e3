package dev.haven.agent.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R13: a quiesce hook that hangs is stopped at its timeout, and the point says why. */
class QuiesceHookTest {
  @TempDir Path scripts;

  @Test
  void R13_aHangingQuiesceHookTimesOutAndSaysSo() throws Exception {
    Path hook = QuiesceHook.hookOf(scripts, "vm-1");
    Files.createDirectories(hook.getParent());
    Files.writeString(hook, "#!/bin/sh\necho flushing\nexec sleep 30\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));

    QuiesceHook.Result result = new QuiesceHook(scripts, Duration.ofMillis(300)).freeze("vm-1");

    assertThat(result.ran()).isTrue();
    assertThat(result.succeeded()).isFalse();
    assertThat(result.reason()).contains("timed out after 300 ms");
    assertThat(result.output()).contains("flushing");
  }

  @Test
  void R13_aHookThatIsNotExecutableIsNotRun() throws Exception {
    Path hook = QuiesceHook.hookOf(scripts, "vm-2");
    Files.createDirectories(hook.getParent());
    Files.writeString(hook, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rw-------"));

    QuiesceHook.Result result = new QuiesceHook(scripts, Duration.ofSeconds(5)).freeze("vm-2");

    assertThat(result.ran()).isFalse();
    assertThat(result.reason()).contains("not executable");
  }
}
