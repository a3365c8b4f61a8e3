package dev.haven.agent.scripts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.agent.NotFoundException;
import dev.haven.agent.PreconditionException;
import dev.haven.protocol.RunScriptResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plan scripts (R18) run only from the agent's scripts folder, with bounded output and time. */
class ScriptRunnerTest {
  @TempDir Path data;

  @Test
  void R18_scriptRunsWithArgsAndAnswersExitCodeAndOutput() throws Exception {
    Path folder = folder();
    executable(folder.resolve("hello.sh"), "#!/bin/sh\necho \"hi $1\"\necho oops >&2\nexit 7\n");

    RunScriptResponse ran = new ScriptRunner(folder).run("hello.sh", List.of("there"), 10);

    assertThat(ran.getExitCode()).isEqualTo(7);
    assertThat(ran.getOutput()).isEqualTo("hi there\noops\n");
    assertThat(ran.getTimedOut()).isFalse();
    assertThat(ran.getOutputTruncated()).isFalse();
  }

  @Test
  void R18_scriptOutsideTheFolderOrMissingIsRefused() throws Exception {
    Path folder = folder();
    executable(data.resolve("outside.sh"), "#!/bin/sh\ntouch " + data.resolve("ran") + "\n");
    Files.writeString(folder.resolve("plain.txt"), "not executable");
    ScriptRunner runner = new ScriptRunner(folder);

    for (String name : List.of("../../outside.sh", "/bin/sh", "..", ".", "", "a\\b")) {
      assertThatThrownBy(() -> runner.run(name, List.of(), 5))
          .as(name)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> runner.run("nope.sh", List.of(), 5))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> runner.run("plain.txt", List.of(), 5))
        .isInstanceOf(PreconditionException.class);
    assertThat(data.resolve("ran")).doesNotExist();
  }

  @Test
  void R18_scriptIsKilledAtItsTimeoutAndItsOutputIsBounded() throws Exception {
    Path folder = folder();
    executable(folder.resolve("hang.sh"), "#!/bin/sh\necho started\nsleep 60\n");
    executable(
        folder.resolve("chatty.sh"),
        "#!/bin/sh\nhead -c 200000 /dev/zero | tr '\\0' 'x'\nexit 0\n");
    ScriptRunner runner = new ScriptRunner(folder);

    RunScriptResponse hung = runner.run("hang.sh", List.of(), 1);
    assertThat(hung.getTimedOut()).isTrue();
    assertThat(hung.getExitCode()).isEqualTo(-1);
    assertThat(hung.getOutput()).startsWith("started\n");

    RunScriptResponse chatty = runner.run("chatty.sh", List.of(), 10);
    assertThat(chatty.getExitCode()).isZero();
    assertThat(chatty.getOutputTruncated()).isTrue();
    assertThat(chatty.getOutput()).hasSize(ScriptRunner.MAX_OUTPUT_BYTES);
  }

  private Path folder() throws Exception {
    return Files.createDirectories(ScriptRunner.folderOf(data));
  }

  private static void executable(Path file, String text) throws Exception {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
