package dev.haven.dist.standalone;

import java.nio.file.Path;

/**
 * How {@code haven standalone} was asked to run; {@code hypervisor} ({@code file} or {@code qemu})
 * is its agents'.
 */
public record StandaloneOptions(
    Path dataDir, String temporalMode, String bindHost, StandalonePorts ports, String hypervisor) {

  /** With the built-in file driver. */
  public StandaloneOptions(
      Path dataDir, String temporalMode, String bindHost, StandalonePorts ports) {
    this(dataDir, temporalMode, bindHost, ports, "file");
  }
}
