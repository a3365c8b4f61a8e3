package dev.haven.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerConfigTest {
  @TempDir Path dir;

  @Test
  void readsEveryFieldAndResolvesTlsPathsAgainstTheFilesFolder() throws Exception {
    Path file =
        write(
            """
            temporal:
              target: temporal.example:7233
              namespace: haven
            database:
              url: jdbc:h2:mem:haven
              user: sa
              password: secret
            tls:
              caCert: certs/ca.pem
              cert: certs/worker.pem
              key: /etc/haven/worker.key
            """);

    WorkerConfig config = WorkerConfig.load(file);

    assertThat(config.temporal())
        .isEqualTo(new WorkerConfig.Temporal("temporal.example:7233", "haven"));
    assertThat(config.database())
        .isEqualTo(new WorkerConfig.Database("jdbc:h2:mem:haven", "sa", "secret"));
    assertThat(config.tlsFiles().caCert()).isEqualTo(dir.resolve("certs/ca.pem"));
    assertThat(config.tlsFiles().cert()).isEqualTo(dir.resolve("certs/worker.pem"));
    assertThat(config.tlsFiles().key()).isEqualTo(Path.of("/etc/haven/worker.key"));
  }

  @Test
  void defaultsToTheLocalTemporalServer() throws Exception {
    WorkerConfig config =
        WorkerConfig.load(
            write(
                """
                database: {url: "jdbc:h2:mem:x"}
                tls: {caCert: ca.pem, cert: w.pem, key: w.key}
                """));

    assertThat(config.temporal()).isEqualTo(new WorkerConfig.Temporal("127.0.0.1:7233", "default"));
    assertThat(config.database().password()).isEmpty();
  }

  @Test
  void aMissingFieldIsNamed() throws Exception {
    Path file = write("tls: {caCert: ca.pem, cert: w.pem, key: w.key}\n");

    assertThatThrownBy(() -> WorkerConfig.load(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'database.url'");
  }

  @Test
  void anUnknownFieldIsRefused() throws Exception {
    Path file =
        write(
            """
            database: {url: "jdbc:h2:mem:x", pasword: typo}
            tls: {caCert: ca.pem, cert: w.pem, key: w.key}
            """);

    assertThatThrownBy(() -> WorkerConfig.load(file)).hasStackTraceContaining("pasword");
  }

  private Path write(String yaml) throws Exception {
    Path file = dir.resolve("worker.yml");
    Files.writeString(file, yaml);
    return file;
  }
}
