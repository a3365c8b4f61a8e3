package dev.haven.agent;

import dev.haven.protocol.tls.TlsFiles;
import java.nio.file.Path;

/**
 * How one host agent runs: its host and site names, its data folder, where its gRPC and NBD servers
 * listen (port 0 picks a free one), its TLS identity, and its hypervisor: {@code file} (the
 * built-in driver: powering on only exports the disks) or {@code qemu} (each powered-on VM runs as
 * a QEMU guest on its exports), with QEMU's accelerator ({@code auto}, {@code kvm} or {@code tcg}).
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
    String qemuAccel) {

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
        qemuAccel);
  }
}
