package dev.haven.agent.vm;

import dev.haven.agent.changelog.ChangeLogSet;
import dev.haven.agent.disk.BlockDevice;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The hypervisor driver of a host: it owns the VMs and their disks. The built-in driver is file
 * backed (a folder per VM with {@code vm.json} and raw sparse images); a QEMU driver can follow
 * behind the same interface. All state is on the agent's disk, so it survives restarts.
 */
public interface VmDriver {

  /** Creates a powered-off VM with empty (sparse) disks. */
  VmRecord create(VmSpec spec) throws IOException;

  List<VmRecord> list() throws IOException;

  Optional<VmRecord> find(String vmId) throws IOException;

  /**
   * Powers a VM on or off and persists the power state. While on, its disks are exported over NBD;
   * powering off flushes every disk and closes its exports.
   */
  VmRecord setPower(String vmId, boolean on) throws IOException;

  /**
   * The tracked device of a disk: every write goes to the image and to the disk's change log. The
   * same instance is returned for the life of the driver.
   */
  BlockDevice device(String vmId, String diskId) throws IOException;

  /** The change logs of a disk, kept beside its image. */
  ChangeLogSet changeLogs(String vmId, String diskId) throws IOException;

  /** Flushes and closes every open device and log. */
  void close() throws IOException;
}
