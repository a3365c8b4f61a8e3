package dev.haven.dist.guest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.haven.dist.client.DemoScenario;
import dev.haven.dist.client.HavenApiClient;
import dev.haven.dist.standalone.StandaloneLayout;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code haven demo --qemu}: the loop with a real guest on a standalone stack whose agents run QEMU
 * ({@code haven standalone --hypervisor qemu}). The demo guest is imported at the primary and
 * boots; protection starts; a test failover boots an isolated copy at the secondary; a planned
 * failover shuts the guest down and boots it at the secondary. After each failover it prints what
 * the guest found on its disk, from its serial console ({@code console.log} in the VM's folder).
 */
public final class GuestDemo {
  private static final int BOOT_SECONDS = 300;

  private final HavenApiClient api;
  private final PrintStream out;
  private final StandaloneLayout layout;

  public GuestDemo(HavenApiClient api, PrintStream out, Path standaloneData) {
    this.api = api;
    this.out = out;
    this.layout = new StandaloneLayout(standaloneData);
  }

  /** Runs the loop; answers 0 when the guest at the secondary found every record it synced. */
  public int run(int copyFrequencySeconds, Path cache) throws IOException, InterruptedException {
    out.println("building the demo guest (Debian kernel + busybox) in " + cache);
    Path image = DemoGuest.build(cache);
    DemoScenario demo = new DemoScenario(api, out, System.nanoTime());
    String vmId = demo.importVm(copyFrequencySeconds, image);
    GuestConsole primary = console("primary", vmId);
    out.println("guest console at primary: " + primary.path());
    report("primary, first boot", awaitBoot(primary));
    demo.protect();
    demo.awaitItem(i -> i.path("state").asText().equals("protected"), Duration.ofMinutes(10));
    demo.awaitRecoveryPoints(2, Duration.ofMinutes(5));

    // Test failover: an isolated copy at the latest point boots while the guest keeps writing.
    String testJob =
        api.post(
                "/protected-items/" + demo.itemId() + "/failover",
                Map.of("type", "test", "recoveryPoint", "latest"))
            .get("jobId")
            .asText();
    out.printf("test failover accepted: job %s%n", testJob);
    demo.awaitJob(testJob, Duration.ofMinutes(5));
    String testVmId = testVm(api.get("/protected-items/" + demo.itemId()));
    GuestConsole test = console("secondary", testVmId);
    out.println("test VM console at secondary (no network): " + test.path());
    report("test copy at secondary", awaitBoot(test));
    String cleanup =
        api.post(
                "/protected-items/" + demo.itemId() + "/test-failover-cleanup",
                Map.of("verdict", "passed", "notes", "the guest found its log"))
            .get("jobId")
            .asText();
    demo.awaitJob(cleanup, Duration.ofMinutes(5));

    JsonNode job = demo.plannedFailover(Duration.ofMinutes(10));
    if (!job.path("state").asText().equals("succeeded")) {
      out.println("planned failover did not succeed: " + job);
      return 1;
    }
    long synced = primary.shutdownLastSynced().orElse(primary.lastSynced().orElse(0));
    out.printf("the guest at primary shut down after syncing record %d%n", synced);
    String replicaVmId = api.get("/protected-items/" + demo.itemId()).path("replicaVmId").asText();
    GuestConsole secondary = console("secondary", replicaVmId);
    out.println("guest console at secondary: " + secondary.path());
    GuestConsole.Boot found = awaitBoot(secondary);
    report("secondary after planned failover", found);
    boolean complete = found.lastIntactRecord() == synced && found.torn() == 0;
    out.println(complete ? "every synced record is there: nothing lost" : "RECORDS MISSING");
    return complete ? 0 : 1;
  }

  /**
   * The item's test VM: {@code testVmId} when the item carries it, else the VM at the target host
   * on the item's isolated test network.
   */
  private String testVm(JsonNode item) {
    if (item.hasNonNull("testVmId")) {
      return item.get("testVmId").asText();
    }
    String host = item.path("targetHostId").asText();
    for (JsonNode vm : api.get("/hosts/" + host + "/vms")) {
      for (JsonNode network : vm.path("networks")) {
        if (network.asText().startsWith("haven-test-")) {
          return vm.get("id").asText();
        }
      }
    }
    throw new IllegalStateException("the test failover left no test VM at host " + host);
  }

  private GuestConsole console(String site, String vmId) {
    return new GuestConsole(
        layout.agentDir(site).resolve("vms").resolve(vmId).resolve("console.log"));
  }

  private GuestConsole.Boot awaitBoot(GuestConsole console)
      throws IOException, InterruptedException {
    int before = console.boots().size();
    if (before == 0 && !console.await(c -> !c.boots().isEmpty(), BOOT_SECONDS)) {
      throw new IllegalStateException("the guest did not boot; see " + console.path());
    }
    return console.boots().get(console.boots().size() - 1);
  }

  private void report(String where, GuestConsole.Boot boot) {
    out.printf(
        "guest (%s) found: last intact record %d, torn or garbage records %d%n",
        where, boot.lastIntactRecord(), boot.torn());
  }
}
