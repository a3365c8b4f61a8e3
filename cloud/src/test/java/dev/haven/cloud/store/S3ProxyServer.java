package dev.haven.cloud.store;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * s3proxy, a real S3 server, with its filesystem blob store in a test's folder. It runs from its
 * self-contained jar (which the cloud module's build copies from Maven Central into {@code
 * target/test-servers}) in a JVM of its own, so none of its libraries meet ours.
 */
final class S3ProxyServer extends ChildServer {
  static final String ACCESS_KEY = "haven-test";
  static final String SECRET_KEY = "s3cr3t-for-loopback-only";

  private final Path jar;
  private final Path dir;

  private S3ProxyServer(Path jar, Path dir) {
    super("s3proxy", Pattern.compile("ServerConnector@.*\\{127\\.0\\.0\\.1:(\\d+)\\}"));
    this.jar = jar;
    this.dir = dir;
  }

  /** Starts s3proxy over {@code dir}, or skips (fails under CI) when its jar is missing. */
  static S3ProxyServer start(Path dir) throws IOException {
    String property = System.getProperty("haven.s3proxy.jar", "");
    Path jar = Path.of(property.isEmpty() ? "target/test-servers/s3proxy.jar" : property);
    if (!Files.isRegularFile(jar)) {
      unavailable(
          "s3proxy is not at "
              + jar.toAbsolutePath()
              + ": run the tests through Maven, whose generate-test-resources phase copies"
              + " org.gaul:s3proxy:jar-with-dependencies there");
    }
    S3ProxyServer server = new S3ProxyServer(jar, dir);
    server.start();
    return server;
  }

  @Override
  protected List<String> command(int port) throws IOException {
    Path blobs = Files.createDirectories(dir.resolve("blobs"));
    Properties properties = new Properties();
    properties.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + port);
    properties.setProperty("s3proxy.authorization", "aws-v2-or-v4");
    properties.setProperty("s3proxy.identity", ACCESS_KEY);
    properties.setProperty("s3proxy.credential", SECRET_KEY);
    properties.setProperty("jclouds.provider", "filesystem");
    properties.setProperty("jclouds.filesystem.basedir", blobs.toString());
    Path file = dir.resolve("s3proxy.properties");
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      properties.store(out, "written by S3ProxyServer for one test class");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(
        java,
        "-Xmx256m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-jar",
        jar.toString(),
        "--properties",
        file.toString());
  }

  @Override
  String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  /**
   * A location for {@code bucket[/prefix]} on this server with the right credentials and {@code
   * extra}.
   */
  @Override
  String location(String bucketAndPrefix, String extra) {
    return "s3://"
        + bucketAndPrefix
        + "?endpoint="
        + endpoint()
        + "&region=us-east-1&accessKey="
        + ACCESS_KEY
        + "&secretKey="
        + SECRET_KEY
        + (extra.isEmpty() ? "" : "&" + extra);
  }
}
