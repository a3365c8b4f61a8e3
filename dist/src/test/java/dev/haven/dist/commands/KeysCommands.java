package dev.haven.dist.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code haven keys …} in this JVM, as the tests of key rotation do. */
public final class KeysCommands {
  private KeysCommands() {}

  /** Runs {@code haven keys ARGS}, asserts its exit code, and answers {stdout, stderr}. */
  public static String[] run(int expectedCode, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new KeysCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    assertThat(code).as("exit code; stdout: %s stderr: %s", out, err).isEqualTo(expectedCode);
    return new String[] {out.toString(), err.toString()};
  }
}
