package dev.haven.api.core;

import dev.haven.store.Host;
import dev.haven.store.HostDao;
import dev.haven.store.NetworkMapping;
import dev.haven.store.Pairing;
import dev.haven.store.PairingDao;
import dev.haven.store.Policy;
import dev.haven.store.PolicyDao;
import dev.haven.store.ProtectedItem;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.protection.ProtectionCarryOver;
import dev.haven.workflows.protection.ProtectionInput;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Builds the input of an item's {@code ProtectedItemWorkflow} from the store, the same way for a
 * new protection and for a restart that resumes one.
 */
public final class ProtectionInputs {
  private ProtectionInputs() {}

  /**
   * The input for {@code item}: its hosts with their agents' addresses, the copy frequency of its
   * pairing's policy and the pairing's network mapping.
   *
   * @throws IllegalStateException when a row that the item refers to is gone
   */
  public static ProtectionInput of(
      Handle h, ProtectedItem item, String jobId, boolean resume, ProtectionCarryOver carryOver) {
    HostDao hosts = h.attach(HostDao.class);
    PairingDao pairings = h.attach(PairingDao.class);
    Host source =
        require(hosts.find(item.sourceHostId()).orElse(null), "host", item.sourceHostId());
    Host target =
        require(hosts.find(item.targetHostId()).orElse(null), "host", item.targetHostId());
    Pairing pairing =
        require(pairings.find(item.pairingId()).orElse(null), "pairing", item.pairingId());
    Policy policy =
        require(
            h.attach(PolicyDao.class).find(pairing.policyId()).orElse(null),
            "policy",
            pairing.policyId());
    Map<String, String> networks = new LinkedHashMap<>();
    for (NetworkMapping m : pairings.networkMappings(pairing.id())) {
      networks.put(m.sourceNetwork(), m.targetNetwork());
    }
    return new ProtectionInput(
        item.id(),
        item.vmId(),
        jobId,
        ref(source),
        ref(target),
        policy.copyFrequencySeconds(),
        networks,
        resume,
        carryOver);
  }

  static HostRef ref(Host host) {
    return new HostRef(host.id(), host.siteId(), host.agentAddress());
  }

  private static <T> T require(T row, String kind, String id) {
    if (row == null) {
      throw new IllegalStateException(kind + " '" + id + "' is missing from the store");
    }
    return row;
  }
}
