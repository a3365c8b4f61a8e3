package dev.haven.agent.vm;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.nbd.ExportResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The NBD exports of a driver: every disk of every powered-on VM, named by disk id. It reads the
 * driver's current state on each call, so a VM's disks appear when it powers on and disappear when
 * it powers off, with nothing to register.
 */
public final class RunningDiskExports implements ExportResolver {
  private final FileVmDriver driver;

  public RunningDiskExports(FileVmDriver driver) {
    this.driver = driver;
  }

  @Override
  public Optional<BlockDevice> resolve(String exportName) {
    Optional<VmRecord> vm = driver.findByDisk(exportName);
    if (vm.isEmpty() || !vm.get().poweredOn()) {
      return Optional.empty();
    }
    try {
      return Optional.of(driver.device(vm.get().id(), exportName));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open disk " + exportName, e);
    }
  }

  @Override
  public List<String> exportNames() {
    List<String> names = new ArrayList<>();
    for (VmRecord vm : driver.list()) {
      if (vm.poweredOn()) {
        vm.disks().forEach(disk -> names.add(disk.id()));
      }
    }
    return names;
  }
}
