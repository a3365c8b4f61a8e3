package dev.haven.dist.config;

import dev.haven.agent.AgentConfig;
import java.nio.file.Path;

/**
 * An agent's config file ({@code agent.yml}): host and site names, data folder, the {@code
 * host:port} its gRPC and NBD servers listen on, its TLS identity, its hypervisor ({@code file},
 * the default, or {@code qemu}), and the vault keyring file it seals cloud objects with ({@code
 * vaultKeyring}; optional, see {@link AgentConfig#keyringFile()} for what an agent without one
 * reads).
 */
public record AgentFileConfig(
    String hostName,
    String site,
    String dataDir,
    String grpc,
    String nbd,
    TlsFileConfig tls,
    String hypervisor,
    String vaultKeyring) {

  public AgentConfig toAgentConfig() {
    require(hostName, "hostName");
    require(site, "site");
    require(dataDir, "dataDir");
    HostPort grpcAddress = HostPort.parse(grpc, "grpc");
    HostPort nbdAddress = HostPort.parse(nbd, "nbd");
    if (tls == null) {
      throw new IllegalArgumentException("agent config: tls is missing");
    }
    return new AgentConfig(
        hostName,
        site,
        Path.of(dataDir),
        grpcAddress.host(),
        grpcAddress.port(),
        nbdAddress.host(),
        nbdAddress.port(),
        tls.toFiles(),
        hypervisor,
        null,
        vaultKeyring == null || vaultKeyring.isBlank() ? null : Path.of(vaultKeyring));
  }

  private static void require(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("agent config: " + field + " is missing");
    }
  }
}
