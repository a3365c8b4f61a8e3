package dev.haven.dist.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vault keyring is a field of {@code agent.yml}, and older files without it still load. */
class AgentFileConfigTest {
  @TempDir Path dir;

  @Test
  void R6_agentYmlNamesTheVaultKeyringTheAgentReads() throws Exception {
    Path keyring = dir.resolve("keys").resolve("vault.keyring");
    Path file = dir.resolve("agent.yml");
    ConfigFiles.write(
        file,
        new AgentFileConfig(
            "h",
            "primary",
            dir.resolve("data").toString(),
            "127.0.0.1:7401",
            "127.0.0.1:10809",
            new TlsFileConfig("ca.pem", "agent.pem", "agent.key"),
            "file",
            keyring.toString()));
    assertThat(Files.readString(file)).contains("vaultKeyring: \"" + keyring + "\"");

    AgentFileConfig read = ConfigFiles.read(file, AgentFileConfig.class);
    assertThat(read.toAgentConfig().keyringFile()).isEqualTo(keyring);
  }

  @Test
  void R6_anAgentYmlWithoutAKeyringStillLoads() throws Exception {
    Path file = dir.resolve("agent.yml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "hostName: h",
            "site: primary",
            "dataDir: " + dir.resolve("data"),
            "grpc: 127.0.0.1:7401",
            "nbd: 127.0.0.1:10809",
            "tls: {caCert: ca.pem, cert: agent.pem, key: agent.key}",
            ""));
    AgentFileConfig read = ConfigFiles.read(file, AgentFileConfig.class);
    assertThat(read.vaultKeyring()).isNull();
    assertThat(read.toAgentConfig().vaultKeyring()).isNull();
  }
}
