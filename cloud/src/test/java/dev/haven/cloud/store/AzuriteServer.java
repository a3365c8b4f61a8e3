package dev.haven.cloud.store;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Azurite, Microsoft's Azure Storage emulator, serving Blob storage from a test's folder. It comes
 * from npm: {@code .ci/run} installs the version the cloud module's pom names under {@code
 * ~/.cache/haven-test-servers/azurite-VERSION}, and Maven passes that folder as {@code
 * haven.azurite.home} ({@code HAVEN_AZURITE_HOME} overrides it).
 */
final class AzuriteServer extends ChildServer {
  /** Azurite's built-in development account and its published key. */
  static final String ACCOUNT = "devstoreaccount1";

  static final String KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  private final Path executable;
  private final Path dir;

  private AzuriteServer(Path executable, Path dir) {
    super("azurite", Pattern.compile("listens on http://127\\.0\\.0\\.1:(\\d+)"));
    this.executable = executable;
    this.dir = dir;
  }

  /** Starts Azurite's blob service over {@code dir}, or skips (fails under CI) when missing. */
  static AzuriteServer start(Path dir) throws IOException {
    String home = System.getenv("HAVEN_AZURITE_HOME");
    if (home == null || home.isEmpty()) {
      home = System.getProperty("haven.azurite.home", "");
    }
    String version = System.getProperty("haven.azurite.version", "VERSION");
    Path executable = Path.of(home, "node_modules", ".bin", "azurite-blob");
    if (home.isEmpty() || !Files.isExecutable(executable)) {
      unavailable(
          "Azurite is not at "
              + executable.toAbsolutePath()
              + ": install it with `npm install --prefix "
              + (home.isEmpty() ? "<folder>" : home)
              + " azurite@"
              + version
              + "` (.ci/run does), and Node.js with it");
    }
    AzuriteServer server = new AzuriteServer(executable, dir);
    server.start();
    return server;
  }

  @Override
  protected List<String> command(int port) throws IOException {
    Path data = Files.createDirectories(dir.resolve("azurite"));
    return List.of(
        executable.toString(),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        Integer.toString(port),
        "--location",
        data.toString(),
        // Never phone home from a test; and accept the SDK's newer API version than Azurite knows.
        "--disableTelemetry",
        "--skipApiVersionCheck",
        "--silent");
  }

  @Override
  String endpoint() {
    return "http://127.0.0.1:" + port() + "/" + ACCOUNT;
  }

  /** A location for {@code container[/prefix]} with the account's key and {@code extra}. */
  @Override
  String location(String containerAndPrefix, String extra) {
    return "azure://"
        + containerAndPrefix
        + "?endpoint="
        + endpoint()
        + "&account="
        + ACCOUNT
        + "&key="
        + URLEncoder.encode(KEY, StandardCharsets.UTF_8)
        + (extra.isEmpty() ? "" : "&" + extra);
  }
}
