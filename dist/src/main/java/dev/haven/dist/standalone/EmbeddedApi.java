package dev.haven.dist.standalone;

import dev.haven.api.HavenApiApplication;
import dev.haven.dist.config.ConfigFiles;
import dev.haven.dist.config.TlsFileConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Dropwizard API inside the standalone JVM. It writes the same {@code api.yml} that {@code
 * haven api --config} reads and runs the application from it, so that the stack can stop it first
 * on shutdown.
 */
final class EmbeddedApi implements AutoCloseable {
  private final HavenApiApplication app;

  private EmbeddedApi(HavenApiApplication app) {
    this.app = app;
  }

  /** What the API's config file says. */
  record Settings(
      String bindHost,
      int port,
      String jdbcUrl,
      String temporalTarget,
      String namespace,
      TlsFileConfig tls,
      Path logFile) {}

  static EmbeddedApi start(Path configFile, Settings settings) throws Exception {
    ConfigFiles.write(configFile, config(settings));
    HavenApiApplication app = new HavenApiApplication().stoppedByCaller();
    app.run("server", configFile.toString());
    return new EmbeddedApi(app);
  }

  private static Map<String, Object> config(Settings s) {
    Map<String, Object> connector = new LinkedHashMap<>();
    connector.put("type", "http");
    connector.put("bindHost", s.bindHost());
    connector.put("port", s.port());
    Map<String, Object> server = new LinkedHashMap<>();
    server.put("type", "simple");
    server.put("applicationContextPath", "/");
    server.put("adminContextPath", "/admin");
    server.put("connector", connector);
    // No request log in the embedded stack: its access-log appender prints version warnings from
    // a shaded jar, and the API's own log already names every failed request.
    server.put("requestLog", Map.of("appenders", List.of()));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("server", server);
    config.put(
        "database",
        Map.of("driverClass", "org.h2.Driver", "url", s.jdbcUrl(), "user", "sa", "password", ""));
    config.put("temporal", Map.of("target", s.temporalTarget(), "namespace", s.namespace()));
    config.put("tls", s.tls());
    config.put(
        "logging",
        Map.of(
            "level",
            "INFO",
            "loggers",
            Map.of(
                "io.grpc",
                "WARN",
                "io.netty",
                "WARN",
                "io.temporal",
                "WARN",
                "org.flywaydb",
                "ERROR"),
            "appenders",
            List.of(
                Map.of("type", "console", "threshold", "WARN", "target", "stderr"),
                fileAppender(s.logFile(), s.logFile().getFileName().toString()))));
    return config;
  }

  private static Map<String, Object> fileAppender(Path logFile, String name) {
    return Map.of(
        "type",
        "file",
        "currentLogFilename",
        logFile.resolveSibling(name).toString(),
        "archive",
        false);
  }

  @Override
  public void close() throws Exception {
    app.stop();
  }
}
