package dev.haven.agent;

import dev.haven.protocol.tls.TlsFiles;
import java.nio.file.Path;

/**
 * How one host agent runs: its host and site names, its data folder, where its gRPC and NBD servers
 * listen (port 0 picks a free one), its TLS identity, and its hypervisor: {@code file} (the
 * built-in driver: powering on only exports the disks) or {@code qemu} (each powered-on VM runs as
 * a QEMU guest on its exports), with QEMU's accelerator ({@code auto}, {@code kvm} or {@code tcg}).
 *
 * <p>{@code vaultKeyring} is the vault keyring file the agent seals and opens cloud objects with
 * (issue 8). When it is {@code null} the agent falls back to the {@code haven.vault.keyring} system
 * property, the {@code HAVEN_VAULT_KEYRING} environment variable, then {@code
 * <dataDir>/vault.keyring}; see {@link #keyringFile()}.
 */
public record AgentConfig(
    String hostName,
    String site,
    Path dataDir,
    String grpcHost,
    int grpcPort,
    String nbdHost,
    int nbdPort,
    TlsFiles tls,
    String hypervisor,
    String qemuAccel,
    Path vaultKeyring) {

  public AgentConfig {
    hypervisor = hypervisor == null || hypervisor.isBlank() ? "file" : hypervisor;
    qemuAccel = qemuAccel == null || qemuAccel.isBlank() ? "auto" : qemuAccel;
    if (!hypervisor.equals("file") && !hypervisor.equals("qemu")) {
      throw new IllegalArgumentException("hypervisor must be file or qemu, got " + hypervisor);
    }
  }

  /** An agent with the built-in file driver. */
  public AgentConfig(
      String hostName,
      String site,
      Path dataDir,
      String grpcHost,
      int grpcPort,
      String nbdHost,
      int nbdPort,
      TlsFiles tls) {
    this(hostName, site, dataDir, grpcHost, grpcPort, nbdHost, nbdPort, tls, "file", "auto");
  }

  /** An agent whose keyring is not configured: it uses the fallbacks of {@link #keyringFile()}. */
  public AgentConfig(
      String hostName,
      String site,
      Path dataDir,
      String grpcHost,
      int grpcPort,
      String nbdHost,
      int nbdPort,
      TlsFiles tls,
      String hypervisor,
      String qemuAccel) {
    this(
        hostName,
        site,
        dataDir,
        grpcHost,
        grpcPort,
        nbdHost,
        nbdPort,
        tls,
        hypervisor,
        qemuAccel,
        null);
  }

  /**
   * The keyring file this agent reads: the configured one, else (for config files written before
   * the keyring was a config field) the {@code haven.vault.keyring} system property or the {@code
   * HAVEN_VAULT_KEYRING} environment variable, else {@code <dataDir>/vault.keyring}.
   */
  public Path keyringFile() {
    if (vaultKeyring != null) {
      return vaultKeyring;
    }
    String fallback =
        System.getProperty("haven.vault.keyring", System.getenv("HAVEN_VAULT_KEYRING"));
    return fallback != null && !fallback.isBlank()
        ? Path.of(fallback)
        : dataDir.resolve("vault.keyring");
  }

  /** The same agent with its vault keyring at {@code file}. */
  public AgentConfig withVaultKeyring(Path file) {
    return new AgentConfig(
        hostName,
        site,
        dataDir,
        grpcHost,
        grpcPort,
        nbdHost,
        nbdPort,
        tls,
        hypervisor,
        qemuAccel,
        file);
  }

  /** The same agent with another hypervisor. */
  public AgentConfig withHypervisor(String newHypervisor) {
    return new AgentConfig(
        hostName,
        site,
        dataDir,
        grpcHost,
        grpcPort,
        nbdHost,
        nbdPort,
        tls,
        newHypervisor,
        qemuAccel,
        vaultKeyring);
  }
}
