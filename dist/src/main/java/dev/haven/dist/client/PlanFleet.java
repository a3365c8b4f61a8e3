package dev.haven.dist.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Many small VMs at the primary site of a standalone stack, each written by a real NBD client and
 * protected towards the secondary site through the API: the fleet that recovery plans (R18) fail
 * over in tests and in {@code bench/run plans}. Each VM's expected bytes are kept in a {@link
 * GuestDiskModel}, so a replica is checked against what its guest wrote.
 */
public final class PlanFleet {
  private final HavenApiClient api;
  private final PrintStream out;
  private final int diskBytes;
  private final SplittableRandom random;
  private final Map<String, GuestDiskModel> models = new LinkedHashMap<>();
  private final Map<String, String> items = new LinkedHashMap<>();
  private String primarySiteId;
  private String secondarySiteId;
  private String primaryHostId;
  private String pairingId;

  public PlanFleet(HavenApiClient api, PrintStream out, int diskBytes, long seed) {
    this.api = api;
    this.out = out;
    this.diskBytes = diskBytes;
    this.random = new SplittableRandom(seed);
  }

  /**
   * Finds the standalone sites, host and pairing, and sets the pairing's policy to ship every
   * {@code copyFrequencySeconds}.
   */
  public void useStandaloneSites(int copyFrequencySeconds) {
    primarySiteId = siteId("primary");
    secondarySiteId = siteId("secondary");
    primaryHostId = api.get("/sites/" + primarySiteId + "/hosts").get(0).get("id").asText();
    for (JsonNode pairing : api.get("/site-pairings")) {
      if (pairing.get("sourceSiteId").asText().equals(primarySiteId)
          && pairing.get("targetSiteId").asText().equals(secondarySiteId)) {
        pairingId = pairing.get("id").asText();
        String policyId = pairing.get("policyId").asText();
        ObjectNode policy = (ObjectNode) api.get("/policies/" + policyId);
        policy.remove(List.of("id", "createdAt", "updatedAt"));
        policy.put("copyFrequencySeconds", copyFrequencySeconds);
        api.put("/policies/" + policyId, policy);
      }
    }
    if (pairingId == null) {
      throw new IllegalStateException("no pairing primary -> secondary (is this standalone?)");
    }
  }

  /** Creates {@code count} running VMs named {@code prefix-N} and writes a few blocks into each. */
  public List<String> createVms(String prefix, int count, int blocksEach)
      throws IOException, InterruptedException {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonNode vm =
          api.post(
              "/hosts/" + primaryHostId + "/vms",
              Map.of(
                  "name",
                  prefix + "-" + (models.size() + 1),
                  "cpus",
                  1,
                  "memoryMiB",
                  256,
                  "disks",
                  List.of(Map.of("sizeBytes", diskBytes)),
                  "networks",
                  List.of("lan")));
      String id = vm.get("id").asText();
      api.post("/vms/" + id + "/power", Map.of("state", "on"));
      GuestDiskModel model = new GuestDiskModel(diskBytes);
      models.put(id, model);
      QemuIo.writeRandomBlocks(nbd(id), model, random, blocksEach);
      ids.add(id);
    }
    return ids;
  }

  /** Protects every VM given and waits until each is protected with a recovery point. */
  public void protect(List<String> vmIds, Duration timeout) throws InterruptedException {
    for (String vm : vmIds) {
      JsonNode accepted = api.post("/protected-items", Map.of("vmId", vm, "pairingId", pairingId));
      items.put(vm, accepted.get("itemId").asText());
    }
    awaitItems(
        vmIds,
        i ->
            i.path("state").asText().equals("protected")
                && !i.path("lastRecoveryPoint").isNull()
                && !i.path("lastRecoveryPoint").isMissingNode(),
        "protected",
        timeout);
    out.printf("%d VMs protected%n", vmIds.size());
  }

  /** Writes more blocks into a running VM (its guest keeps working). */
  public void write(String vmId, int blocks) throws IOException, InterruptedException {
    QemuIo.writeRandomBlocks(nbd(vmId), models.get(vmId), random, blocks);
  }

  /**
   * Writes more blocks into VM {@code vmId}'s workload where it runs now, VM {@code runningVmId}
   * (after a failover, the VM at the other site), keeping one model of the workload's disk.
   */
  public void writeAt(String vmId, String runningVmId, int blocks)
      throws IOException, InterruptedException {
    QemuIo.writeRandomBlocks(nbd(runningVmId), models.get(vmId), random, blocks);
  }

  /** Waits until every item of {@code vmIds} satisfies {@code done}. */
  public void awaitItems(
      List<String> vmIds, Predicate<JsonNode> done, String what, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int ready = 0;
      JsonNode lastMissing = null;
      Map<String, JsonNode> byId = new LinkedHashMap<>();
      api.get("/protected-items").forEach(i -> byId.put(i.get("id").asText(), i));
      for (String vm : vmIds) {
        JsonNode item = byId.get(items.get(vm));
        if (item != null && done.test(item)) {
          ready++;
        } else {
          lastMissing = item;
        }
      }
      if (ready == vmIds.size()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            ready + " of " + vmIds.size() + " items " + what + "; one that is not: " + lastMissing);
      }
      Thread.sleep(500);
    }
  }

  /** SHA-256 of what the VM's guest wrote. */
  public String written(String vmId) {
    return models.get(vmId).sha256();
  }

  /**
   * SHA-256 of the disk of the VM that runs at the secondary site after the failover, read over
   * NBD: the replica after a planned failover, the copy built at the chosen point after an
   * unplanned one.
   */
  public String replicaSha256(String vmId, Path scratch) throws IOException, InterruptedException {
    String replica =
        api.get("/protected-items/" + items.get(vmId) + "/failover").get("vmId").asText();
    String uri = api.get("/vms/" + replica).get("disks").get(0).get("nbd").asText();
    return QemuIo.sha256OfExport(uri, scratch);
  }

  public String itemOf(String vmId) {
    return items.get(vmId);
  }

  public String primaryHostId() {
    return primaryHostId;
  }

  public String primarySiteId() {
    return primarySiteId;
  }

  public String secondarySiteId() {
    return secondarySiteId;
  }

  /** Polls a plan run's report until its state ends or {@code done} holds. */
  public JsonNode awaitRun(String planId, String runId, Predicate<JsonNode> done, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode report = api.get("/recovery-plans/" + planId + "/runs/" + runId);
      if (done.test(report)) {
        return report;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for run " + runId + ": " + report);
      }
      Thread.sleep(250);
    }
  }

  /** True once a run's report is in an end state. */
  public static boolean ended(JsonNode report) {
    String state = report.path("state").asText();
    return state.equals("succeeded") || state.equals("failed") || state.equals("cancelled");
  }

  private String nbd(String vmId) {
    return api.get("/vms/" + vmId).get("disks").get(0).get("nbd").asText();
  }

  private String siteId(String name) {
    for (JsonNode site : api.get("/sites")) {
      if (site.get("name").asText().equals(name)) {
        return site.get("id").asText();
      }
    }
    throw new IllegalStateException("no site named " + name);
  }
}
