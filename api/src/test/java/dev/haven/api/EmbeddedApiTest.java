package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import io.dropwizard.configuration.ResourceConfigurationSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API as the standalone launcher runs it: in-process from a YAML file, then stopped. */
class EmbeddedApiTest {
  @TempDir Path dir;

  @Test
  void D2_theApiRunsInProcessFromItsYamlAndStops() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"));
    TlsFiles tls = ca.issue(dir.resolve("api-certs"), "api", List.of());
    Path config = dir.resolve("api.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "server:",
            "  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]",
            "database:",
            "  driverClass: org.h2.Driver",
            "  url: jdbc:h2:file:" + dir.resolve("db/haven"),
            "  user: sa",
            "  password: ''",
            "temporal: {target: '127.0.0.1:1'}",
            "tls:",
            "  caCert: " + tls.caCert(),
            "  cert: " + tls.cert(),
            "  key: " + tls.key(),
            "logging: {level: WARN}",
            ""));
    HavenApiApplication app = new HavenApiApplication();

    app.run("server", config.toString());
    int port = app.port();
    try {
      Http.Reply sites = new Http("http://127.0.0.1:" + port + "/api/v1").get("/sites");
      assertThat(sites.status()).isEqualTo(200);
      assertThat(sites.json().isArray()).isTrue();
    } finally {
      app.stop();
    }

    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void D2_aConfigurationThatCannotStartThrowsInsteadOfExiting() throws IOException {
    Path config = dir.resolve("broken.yml");
    Files.writeString(config, "database: {url: 42}\nunknownSection: true\n");

    assertThatThrownBy(() -> new HavenApiApplication().run("server", config.toString()))
        .isInstanceOf(ApiStartupException.class);
  }

  @Test
  void theExampleConfigurationIsValid() throws Exception {
    HavenApiConfiguration config =
        new YamlConfigurationFactory<>(
                HavenApiConfiguration.class,
                Validators.newValidator(),
                Jackson.newObjectMapper(),
                "dw")
            .build(new ResourceConfigurationSourceProvider(), "api-example.yml");

    assertThat(config.getTemporal().getTarget()).isEqualTo("127.0.0.1:7233");
    assertThat(config.getTemporal().getNamespace()).isEqualTo("default");
    assertThat(config.getDatabase().getUrl()).startsWith("jdbc:h2:file:");
    assertThat(config.getTls().getCert()).endsWith("api.pem");
  }
}
