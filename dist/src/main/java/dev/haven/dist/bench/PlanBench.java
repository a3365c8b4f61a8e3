package dev.haven.dist.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.haven.dist.client.HavenApiClient;
import dev.haven.dist.client.PlanFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench/run plans}: against a running standalone stack, protects {@code N} small VMs (100 by
 * default) through the API, fails them over with a recovery plan of 3 groups (planned, then
 * unplanned on a second fleet when the item workflow offers unplanned failover) and prints the wall
 * time of each group and of the whole run, ending with a {@code RESULT} line.
 *
 * <p>Usage: {@code java -cp haven.jar dev.haven.dist.bench.PlanBench API_URL [VMS]}.
 */
public final class PlanBench {
  private static final int DISK_BYTES = 1024 * 1024;
  private static final Duration WAIT = Duration.ofMinutes(20);

  private final HavenApiClient api;
  private final PlanFleet fleet;
  private final int count;
  private final Path scratch;

  private PlanBench(String apiUrl, int count) throws Exception {
    this.api = new HavenApiClient(apiUrl);
    this.fleet = new PlanFleet(api, System.out, DISK_BYTES, 100);
    this.count = count;
    this.scratch = Files.createTempDirectory("plan-bench");
  }

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "http://127.0.0.1:8080";
    int vms = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    System.exit(new PlanBench(url, vms).run());
  }

  private int run() throws Exception {
    fleet.useStandaloneSites(30);
    String planned = measure("planned", "plan" + count + "_planned_s");
    String unplanned;
    String why = unplannedUnavailable();
    if (why != null) {
      System.out.println("unplanned: n/a (" + why + ")");
      unplanned = "plan" + count + "_unplanned_s=n/a";
    } else {
      unplanned = measure("unplanned", "plan" + count + "_unplanned_s");
    }
    System.out.println("RESULT " + planned + " " + unplanned);
    return 0;
  }

  /** Protects a fresh fleet, runs a 3-group plan of {@code type}; answers {@code key=seconds}. */
  private String measure(String type, String key) throws Exception {
    long t0 = System.nanoTime();
    List<String> vms = fleet.createVms(type + "-vm", count, 4);
    System.out.printf(
        Locale.ROOT, "%s: %d VMs created and written in %.1f s%n", type, count, secs(t0));
    long t1 = System.nanoTime();
    fleet.protect(vms, WAIT);
    System.out.printf(Locale.ROOT, "%s: %d VMs protected in %.1f s%n", type, count, secs(t1));
    // What each guest held when protection was reached: an unplanned failover to `latest` may
    // lose the write below if no cycle shipped it yet, so its copy may equal either state.
    Map<String, String> beforeLastWrite = new java.util.HashMap<>();
    for (String vm : vms) {
      beforeLastWrite.put(vm, fleet.written(vm));
      fleet.write(vm, 1);
    }
    int third = (vms.size() + 2) / 3;
    List<Map<String, Object>> groups = new ArrayList<>();
    for (int g = 0; g < 3; g++) {
      List<String> members =
          vms.subList(Math.min(vms.size(), g * third), Math.min(vms.size(), (g + 1) * third));
      groups.add(Map.of("name", "tier-" + (g + 1), "vms", members));
    }
    String planId =
        api.post("/recovery-plans", Map.of("name", type + "-" + count, "groups", groups))
            .get("id")
            .asText();
    long start = System.nanoTime();
    JsonNode accepted =
        api.post(
            "/recovery-plans/" + planId + "/failover",
            Map.of("type", type, "direction", "primary-to-secondary", "recoveryPoint", "latest"));
    JsonNode report =
        fleet.awaitRun(planId, accepted.get("runId").asText(), PlanFleet::ended, WAIT);
    double total = secs(start);
    int failed = 0;
    for (JsonNode group : report.get("groups")) {
      int ok = 0;
      for (JsonNode member : group.get("members")) {
        if (member.get("state").asText().equals("succeeded")) {
          ok++;
        } else {
          failed++;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%s: group %s: %d/%d VMs failed over in %.1f s%n",
          type,
          group.get("name").asText(),
          ok,
          group.get("members").size(),
          between(group.path("startedAt").asText(), group.path("endedAt").asText()));
    }
    System.out.printf(
        Locale.ROOT,
        "%s: plan %s in %.1f s (wall, from the API call)%n",
        type,
        report.get("state").asText(),
        total);
    if (!report.get("state").asText().equals("succeeded")) {
      System.out.println(type + ": run did not succeed: " + report.path("error").asText());
      return key + "=failed";
    }
    // Spot-check replicas against what their guests wrote: the first VM of every group.
    for (int g = 0; g < 3; g++) {
      String vm = vms.get(Math.min(vms.size() - 1, g * third));
      String replica = fleet.replicaSha256(vm, scratch);
      String verdict;
      if (replica.equals(fleet.written(vm))) {
        verdict = "equals the guest's bytes";
      } else if (!type.equals("planned") && replica.equals(beforeLastWrite.get(vm))) {
        verdict = "equals the guest's bytes before its last write, which no cycle had shipped";
      } else {
        verdict = "DIFFERS FROM the guest's bytes";
      }
      System.out.printf("%s: VM running for %s %s%n", type, vm, verdict);
    }
    return String.format(Locale.ROOT, "%s=%.1f", key, total);
  }

  /**
   * Why unplanned failover cannot be measured yet, or null when it can: the API refuses the type
   * itself (400 on field type) while the item workflow offers only planned failover.
   */
  private String unplannedUnavailable() {
    JsonNode items = api.get("/protected-items");
    if (items.isEmpty()) {
      return "no protected item to ask";
    }
    String item = items.get(0).get("id").asText();
    HavenApiClient.Response answer =
        api.raw(
            "POST",
            "/protected-items/" + item + "/failover",
            "{\"type\":\"unplanned\",\"recoveryPoint\":\"latest\"}");
    if (answer.status() == 400 && answer.body().contains("\"type\"")) {
      return "the item workflow offers planned failover only until branch failover lands: "
          + answer.json().path("message").asText();
    }
    return null;
  }

  private static double between(String from, String to) {
    if (from.isEmpty() || to.isEmpty() || from.equals("null") || to.equals("null")) {
      return Double.NaN;
    }
    return Duration.between(Instant.parse(from), Instant.parse(to)).toMillis() / 1000.0;
  }

  private static double secs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
