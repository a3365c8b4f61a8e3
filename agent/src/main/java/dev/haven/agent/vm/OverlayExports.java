package dev.haven.agent.vm;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.nbd.ExportResolver;
import dev.haven.agent.replication.TestVms;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * NBD exports with test-failover VMs (R27): a running test VM's disk is served as its copy-on-write
 * overlay over the replica at its point; every other export is the driver's.
 */
public final class OverlayExports implements ExportResolver {
  private final FileVmDriver driver;
  private final TestVms tests;
  private final ExportResolver running;

  public OverlayExports(FileVmDriver driver, TestVms tests, ExportResolver running) {
    this.driver = driver;
    this.tests = tests;
    this.running = running;
  }

  @Override
  public Optional<BlockDevice> resolve(String exportName) {
    Optional<VmRecord> vm = driver.findByDisk(exportName);
    if (vm.isPresent() && vm.get().poweredOn()) {
      try {
        Optional<BlockDevice> overlay = tests.overlay(vm.get().id(), exportName);
        if (overlay.isPresent()) {
          return overlay;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the overlay of disk " + exportName, e);
      }
    }
    return running.resolve(exportName);
  }

  @Override
  public List<String> exportNames() {
    return running.exportNames();
  }
}
