package dev.haven.dist.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The backbone's loop as a user drives it through the HTTP API and a real NBD guest: create a VM at
 * the primary site, write to its disk with qemu-io, protect it, keep writing, fail it over
 * (planned), and read the replica back over NBD at the secondary site. Used by {@code haven demo}
 * and by the end-to-end test, which adds a restart in the middle.
 */
public final class DemoScenario {
  public static final int DISK_BYTES = 64 * 1024 * 1024;

  private final HavenApiClient api;
  private final PrintStream out;
  private final SplittableRandom random;
  private final GuestDiskModel model = new GuestDiskModel(DISK_BYTES);
  private String vmId;
  private String nbdUri;
  private String pairingId;
  private String targetSite = "secondary";
  private String itemId;

  public DemoScenario(HavenApiClient api, PrintStream out, long seed) {
    this.api = api;
    this.out = out;
    this.random = new SplittableRandom(seed);
  }

  /**
   * Protects towards site {@code siteName} (the standalone stack's {@code secondary}, the default,
   * or {@code cloud}) instead.
   */
  public DemoScenario towards(String siteName) {
    this.targetSite = siteName;
    return this;
  }

  /**
   * Uses the primary→secondary pairing (the standalone stack makes one at first start), sets its
   * policy's copy frequency, and creates a running VM with one 64 MiB disk at the primary site.
   */
  public void createVm(int copyFrequencySeconds) {
    String hostId = usePairing(copyFrequencySeconds);
    JsonNode vm =
        api.post(
            "/hosts/" + hostId + "/vms",
            Map.of(
                "name",
                "demo-vm",
                "cpus",
                1,
                "memoryMiB",
                512,
                "disks",
                List.of(Map.of("sizeBytes", DISK_BYTES)),
                "networks",
                List.of("lan")));
    vmId = vm.get("id").asText();
    api.post("/vms/" + vmId + "/power", Map.of("state", "on"));
    nbdUri = api.get("/vms/" + vmId).get("disks").get(0).get("nbd").asText();
    out.printf("VM %s runs at primary; its disk is %s%n", vmId, nbdUri);
  }

  /**
   * As {@link #createVm}, but the VM is imported from {@code image} (a raw or qcow2 file on the
   * primary host), for a real guest under the QEMU hypervisor; answers the VM's id.
   */
  public String importVm(int copyFrequencySeconds, Path image) {
    String hostId = usePairing(copyFrequencySeconds);
    JsonNode vm =
        api.post(
            "/hosts/" + hostId + "/vms",
            Map.of(
                "name",
                "demo-guest",
                "cpus",
                1,
                "memoryMiB",
                256,
                "networks",
                List.of("lan"),
                "image",
                image.toAbsolutePath().toString()));
    vmId = vm.get("id").asText();
    api.post("/vms/" + vmId + "/power", Map.of("state", "on"));
    out.printf("VM %s imported from %s and powered on at primary%n", vmId, image);
    return vmId;
  }

  /** Uses the primary→secondary pairing with the given copy frequency; answers a primary host. */
  private String usePairing(int copyFrequencySeconds) {
    String primary = siteId("primary");
    String secondary = siteId(targetSite);
    JsonNode host = api.get("/sites/" + primary + "/hosts").get(0);
    JsonNode pairing = pairing(primary, secondary);
    pairingId = pairing.get("id").asText();
    String policyId = pairing.get("policyId").asText();
    ObjectNode policy = (ObjectNode) api.get("/policies/" + policyId);
    policy.remove(List.of("id", "createdAt", "updatedAt"));
    policy.put("copyFrequencySeconds", copyFrequencySeconds);
    api.put("/policies/" + policyId, policy);
    out.printf(
        "pairing %s (primary -> %s), policy %s: a recovery point every %d s%n",
        pairingId, targetSite, policy.get("name").asText(), copyFrequencySeconds);
    return host.get("id").asText();
  }

  /** Writes {@code count} random 64 KiB blocks through qemu-io (a real NBD client). */
  public void write(int count) throws IOException, InterruptedException {
    QemuIo.writeRandomBlocks(nbdUri, model, random, count);
    out.printf("guest wrote %d blocks of 64 KiB%n", count);
  }

  /**
   * The guest wherever it runs now (the VM at {@code nbdUri}, after a failover) writes {@code
   * count} random 64 KiB blocks; the model follows.
   */
  public void writeTo(String nbdUri, int count) throws IOException, InterruptedException {
    QemuIo.writeRandomBlocks(nbdUri, model, random, count);
    out.printf("guest wrote %d blocks of 64 KiB through %s%n", count, nbdUri);
  }

  /** Enables protection and returns the job id. */
  public String protect() {
    JsonNode accepted = api.post("/protected-items", Map.of("vmId", vmId, "pairingId", pairingId));
    itemId = accepted.get("itemId").asText();
    out.printf(
        "protection of %s accepted: item %s, job %s%n",
        vmId, itemId, accepted.get("jobId").asText());
    return accepted.get("jobId").asText();
  }

  /** Polls the item until its state satisfies {@code done}, printing each change. */
  public JsonNode awaitItem(Predicate<JsonNode> done, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (true) {
      JsonNode item = api.get("/protected-items/" + itemId);
      String line =
          "item " + item.path("state").asText() + ", health " + item.path("health").asText();
      if (!line.equals(last)) {
        out.println(line);
        last = line;
      }
      if (done.test(item)) {
        return item;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting; last status " + item);
      }
      Thread.sleep(250);
    }
  }

  /** Waits until a recovery point newer than {@code afterCount} points exists. */
  public void awaitRecoveryPoints(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (api.get("/protected-items/" + itemId + "/recovery-points").size() < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + count + " recovery points");
      }
      Thread.sleep(250);
    }
  }

  /** Requests a planned failover and waits for its job to end; returns the job. */
  public JsonNode plannedFailover(Duration timeout) throws InterruptedException {
    String jobId =
        api.post(
                "/protected-items/" + itemId + "/failover",
                Map.of("type", "planned", "recoveryPoint", "latest"))
            .get("jobId")
            .asText();
    out.printf("planned failover accepted: job %s%n", jobId);
    return awaitJob(jobId, timeout);
  }

  /** Polls a job until it ends, printing each step as it changes. */
  public JsonNode awaitJob(String jobId, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (true) {
      JsonNode job = api.get("/jobs/" + jobId);
      StringBuilder line = new StringBuilder("job " + job.path("state").asText() + ":");
      for (JsonNode step : job.path("steps")) {
        line.append(' ').append(step.path("name").asText()).append('=');
        line.append(step.path("state").asText());
      }
      if (!line.toString().equals(last)) {
        out.println(line);
        last = line.toString();
      }
      String state = job.path("state").asText();
      if (state.equals("succeeded") || state.equals("failed") || state.equals("cancelled")) {
        return job;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for job " + job);
      }
      Thread.sleep(250);
    }
  }

  /** SHA-256 of the replica's disk, read over NBD from the secondary site's agent. */
  public String replicaSha256(Path scratch) throws IOException, InterruptedException {
    String replicaVmId = api.get("/protected-items/" + itemId).get("replicaVmId").asText();
    JsonNode replica = api.get("/vms/" + replicaVmId);
    String uri = replica.get("disks").get(0).get("nbd").asText();
    out.printf("replica %s runs at secondary; its disk is %s%n", replicaVmId, uri);
    return QemuIo.sha256OfExport(uri, scratch);
  }

  private JsonNode pairing(String sourceSiteId, String targetSiteId) {
    for (JsonNode pairing : api.get("/site-pairings")) {
      if (pairing.get("sourceSiteId").asText().equals(sourceSiteId)
          && pairing.get("targetSiteId").asText().equals(targetSiteId)) {
        return pairing;
      }
    }
    return api.post(
        "/site-pairings",
        Map.of(
            "sourceSiteId",
            sourceSiteId,
            "targetSiteId",
            targetSiteId,
            "policyId",
            defaultPolicyId()));
  }

  private String defaultPolicyId() {
    for (JsonNode policy : api.get("/policies")) {
      if (policy.get("name").asText().equals("default")) {
        return policy.get("id").asText();
      }
    }
    throw new IllegalStateException("no pairing primary -> secondary and no default policy");
  }

  private String siteId(String name) {
    for (JsonNode site : api.get("/sites")) {
      if (site.get("name").asText().equals(name)) {
        return site.get("id").asText();
      }
    }
    throw new IllegalStateException("no site named " + name + " (is this a standalone stack?)");
  }

  public GuestDiskModel model() {
    return model;
  }

  public String vmId() {
    return vmId;
  }

  public String itemId() {
    return itemId;
  }

  public String nbdUri() {
    return nbdUri;
  }
}
