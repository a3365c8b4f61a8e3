package dev.haven.worker;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.haven.protocol.tls.TlsFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The worker's YAML configuration. Relative TLS paths are resolved against the file's folder.
 *
 * <pre>
 * temporal:
 *   target: 127.0.0.1:7233      # host:port of the Temporal frontend
 *   namespace: default
 * database:
 *   url: jdbc:h2:file:./haven-data/haven
 *   user: sa
 *   password: ""
 * tls:                          # the worker's identity towards the agents (mutual TLS)
 *   caCert: certs/ca.pem
 *   cert: certs/worker.pem
 *   key: certs/worker.key
 * </pre>
 */
public record WorkerConfig(Temporal temporal, Database database, Tls tls) {

  /** Where the Temporal frontend listens and which namespace the worker polls. */
  public record Temporal(String target, String namespace) {
    public Temporal {
      target = target == null || target.isBlank() ? "127.0.0.1:7233" : target;
      namespace = namespace == null || namespace.isBlank() ? "default" : namespace;
    }
  }

  /** The store's JDBC URL and credentials (H2 by default, PostgreSQL later). */
  public record Database(String url, String user, String password) {
    public Database {
      user = user == null ? "" : user;
      password = password == null ? "" : password;
    }
  }

  /** The PEM files of the worker's mutual-TLS identity. */
  public record Tls(String caCert, String cert, String key) {}

  public WorkerConfig {
    temporal = temporal == null ? new Temporal(null, null) : temporal;
  }

  /** Reads and checks {@code file}; unknown or missing fields fail with the field's name. */
  public static WorkerConfig load(Path file) {
    ObjectMapper yaml =
        new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    WorkerConfig config;
    try {
      config = yaml.readValue(file.toFile(), WorkerConfig.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read worker configuration " + file, e);
    }
    if (config == null) {
      throw new IllegalArgumentException("worker configuration " + file + " is empty");
    }
    return config.checked(file).resolvedAgainst(file.toAbsolutePath().getParent());
  }

  /** The TLS files as {@link TlsFiles}, ready for {@code channelCredentials()}. */
  public TlsFiles tlsFiles() {
    return new TlsFiles(Path.of(tls.caCert()), Path.of(tls.cert()), Path.of(tls.key()));
  }

  private WorkerConfig checked(Path file) {
    require(database != null && present(database.url()), "database.url", file);
    require(tls != null, "tls", file);
    require(present(tls.caCert()), "tls.caCert", file);
    require(present(tls.cert()), "tls.cert", file);
    require(present(tls.key()), "tls.key", file);
    return this;
  }

  private WorkerConfig resolvedAgainst(Path dir) {
    Tls resolved =
        new Tls(
            dir.resolve(tls.caCert()).toString(),
            dir.resolve(tls.cert()).toString(),
            dir.resolve(tls.key()).toString());
    return new WorkerConfig(temporal, database, resolved);
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }

  private static void require(boolean ok, String field, Path file) {
    if (!ok) {
      throw new IllegalArgumentException(
          "worker configuration " + file + " lacks the field '" + field + "'");
    }
  }
}
