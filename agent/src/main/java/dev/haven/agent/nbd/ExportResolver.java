package dev.haven.agent.nbd;

import dev.haven.agent.disk.BlockDevice;
import java.util.List;
import java.util.Optional;

/**
 * The exports an NBD server offers: the disks of the agent's running VMs, named by disk id. The set
 * changes as VMs power on and off.
 */
public interface ExportResolver {

  /** The device behind an export name, or empty when no running VM has that disk. */
  Optional<BlockDevice> resolve(String exportName);

  /** Every export name offered now, for {@code NBD_OPT_LIST}. */
  List<String> exportNames();
}
