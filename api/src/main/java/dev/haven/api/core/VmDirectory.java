package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.protocol.Vm;
import dev.haven.store.Host;
import dev.haven.store.HostDao;
import dev.haven.store.VmDirectoryDao;
import dev.haven.store.VmEntry;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds which host holds a VM. Agents own their VMs; the store keeps a directory that every listing
 * refreshes, and an unknown VM id triggers a refresh from the agents of all hosts before the API
 * calls it unknown.
 */
public final class VmDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(VmDirectory.class);

  private final Jdbi jdbi;
  private final AgentGateway agents;

  public VmDirectory(Jdbi jdbi, AgentGateway agents) {
    this.jdbi = jdbi;
    this.agents = agents;
  }

  /** The VMs that {@code host}'s agent holds now; the directory follows. */
  public List<Vm> listHost(Host host) {
    List<Vm> vms = agents.listVms(host);
    long now = System.currentTimeMillis();
    List<VmEntry> entries =
        vms.stream().map(vm -> new VmEntry(vm.getId(), host.id(), vm.getName(), now)).toList();
    jdbi.useExtension(VmDirectoryDao.class, d -> d.replaceHost(host.id(), entries));
    return vms;
  }

  /** Records a VM that {@code host}'s agent just created or described. */
  public void record(Host host, Vm vm) {
    jdbi.useExtension(
        VmDirectoryDao.class,
        d -> d.record(vm.getId(), host.id(), vm.getName(), System.currentTimeMillis()));
  }

  /**
   * The host that holds {@code vmId}, asking every agent when the directory does not know it yet;
   * 404 naming {@code field} when no agent has it.
   */
  public Host locate(String vmId, String field) {
    Optional<Host> host = known(vmId);
    if (host.isEmpty()) {
      refreshAll();
      host = known(vmId);
    }
    return host.orElseThrow(() -> ApiException.notFound("vm", vmId, field));
  }

  private Optional<Host> known(String vmId) {
    return jdbi.withHandle(
        h ->
            h.attach(VmDirectoryDao.class)
                .find(vmId)
                .flatMap(entry -> h.attach(HostDao.class).find(entry.hostId())));
  }

  private void refreshAll() {
    for (Host host : jdbi.withExtension(HostDao.class, HostDao::list)) {
      try {
        listHost(host);
      } catch (ApiException e) {
        // One dead agent must not hide the VMs of the others.
        LOG.info(
            "skipping host {} while refreshing the VM directory: {}", host.id(), e.getMessage());
      }
    }
  }
}
