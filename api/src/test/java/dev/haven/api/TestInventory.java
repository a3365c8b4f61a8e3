package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.model.ItemState;
import java.util.List;
import java.util.Map;

/**
 * A primary site and a secondary site with one fake agent each, the primary's VM, a policy and a
 * pairing, all made through the API as an operator would.
 */
record TestInventory(
    String primarySiteId,
    String secondarySiteId,
    String primaryHostId,
    String secondaryHostId,
    String policyId,
    String pairingId,
    String vmId) {

  static TestInventory create(Http http, FakeAgent primary, FakeAgent secondary, String tag) {
    String primarySite =
        created(http, "/sites", Map.of("name", tag + "-primary", "kind", "onprem"));
    String secondarySite =
        created(http, "/sites", Map.of("name", tag + "-secondary", "kind", "onprem"));
    String primaryHost =
        created(
            http,
            "/hosts",
            Map.of("siteId", primarySite, "name", "p1", "agentAddress", primary.address()));
    String secondaryHost =
        created(
            http,
            "/hosts",
            Map.of("siteId", secondarySite, "name", "s1", "agentAddress", secondary.address()));
    String policy =
        created(
            http,
            "/policies",
            Map.of(
                "name",
                tag + "-policy",
                "copyFrequencySeconds",
                15,
                "recoveryPointRetentionHours",
                24));
    String pairing =
        created(
            http,
            "/site-pairings",
            Map.of(
                "sourceSiteId", primarySite,
                "targetSiteId", secondarySite,
                "policyId", policy,
                "networkMappings", List.of(Map.of("source", "lan", "target", "dr-lan"))));
    String vm = newVm(http, primaryHost, tag + "-vm");
    return new TestInventory(
        primarySite, secondarySite, primaryHost, secondaryHost, policy, pairing, vm);
  }

  /** Creates a VM on {@code hostId} through the API and answers its id. */
  static String newVm(Http http, String hostId, String name) {
    return created(
        http,
        "/hosts/" + hostId + "/vms",
        Map.of(
            "name",
            name,
            "cpus",
            1,
            "memoryMiB",
            256,
            "disks",
            List.of(Map.of("sizeBytes", 1 << 20)),
            "networks",
            List.of("lan")));
  }

  static String created(Http http, String path, Map<String, ?> body) {
    Http.Reply reply = http.post(path, Http.json(body));
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    return reply.text("id");
  }

  /**
   * A new protected item of a fresh VM at the primary, whose store row says {@code state} with
   * replica {@code replicaVmId} and whose fake workflow's validators see {@code state} too.
   */
  ProtectedItem protectedItem(ApiHarness h, String name, ItemState state, String replicaVmId)
      throws Exception {
    String vm = newVm(h.http(), primaryHostId(), name);
    Http.Reply reply =
        h.http().post("/protected-items", Http.json(Map.of("vmId", vm, "pairingId", pairingId())));
    String itemId = reply.text("itemId");
    ProtectionApiTest.awaitStarted(itemId);
    FakeProtectedItemWorkflow.STATES.put(itemId, state);
    ProtectedItemDao dao = h.jdbi().onDemand(ProtectedItemDao.class);
    ProtectedItem i = dao.find(itemId).orElseThrow();
    ProtectedItem changed =
        new ProtectedItem(
            i.id(),
            i.vmId(),
            i.pairingId(),
            i.sourceHostId(),
            i.targetHostId(),
            replicaVmId,
            state.apiName(),
            "normal",
            1L,
            null,
            0L,
            null,
            i.activeSiteId(),
            i.workflowId(),
            i.createdAt(),
            i.updatedAt());
    dao.updateStatus(changed);
    return changed;
  }
}
