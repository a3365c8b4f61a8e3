package dev.haven.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.haven.dist.client.DemoScenario;
import dev.haven.dist.client.HavenApiClient;
import dev.haven.dist.client.PlanFleet;
import dev.haven.dist.client.QemuIo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's round trip as an operator runs it: {@code haven standalone} as a real process, its
 * {@code cloud} site a folder store, driven only through the HTTP API and qemu-io/qemu-img over
 * NBD. A VM is protected to the cloud, fails over there, is committed, writes in the cloud, lives
 * through a restart of the stack, fails back to its original VM, is committed, and is protected to
 * the cloud again; the disk's SHA-256 is held against what the guest wrote at every step.
 */
class CloudFailbackEndToEndTest {
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final int BLOCK = 64 << 10;

  @TempDir Path tmp;

  @Test
  void R21_protectFailOverToTheCloudWriteThereFailBackAndReprotectThroughTheApi() throws Exception {
    try (StandaloneProcess stack = new StandaloneProcess(tmp.resolve("haven-data"))) {
      stack.start(WAIT);
      HavenApiClient api = new HavenApiClient(stack.apiUrl());
      DemoScenario user = new DemoScenario(api, System.out, 8).towards("cloud");
      user.createVm(5);
      user.write(60);
      user.protect();
      user.awaitItem(i -> i.path("state").asText().equals("protected"), WAIT);
      user.write(10);
      String item = "/protected-items/" + user.itemId();
      String home = api.get(item).get("activeSiteId").asText();

      // Planned failover to the cloud: the cloud host builds the VM with every last write.
      JsonNode away = user.plannedFailover(WAIT);
      assertThat(away.get("state").asText()).as(away.toString()).isEqualTo("succeeded");
      String cloudVmId = api.get(item).get("replicaVmId").asText();
      assertThat(sha256(api, cloudVmId)).isEqualTo(user.model().sha256());
      decide(api, user, item + "/commit");
      JsonNode inCloud = api.get(item);
      assertThat(inCloud.get("state").asText()).isEqualTo("committed");
      assertThat(inCloud.get("activeSiteId").asText()).isNotEqualTo(home);

      // The workload writes in the cloud; the stack restarts meanwhile (the item waits in the
      // cloud again, its cloud VM runs again); then it fails back to its original VM.
      user.writeTo(nbd(api, cloudVmId), 4);
      String written = user.model().sha256();
      assertThat(stack.stop()).isIn(0, 143);
      stack.start(WAIT);
      assertThat(api.get(item).get("state").asText()).isEqualTo("committed");
      assertThat(sha256(api, cloudVmId)).isEqualTo(written);
      JsonNode back = user.plannedFailover(WAIT);
      assertThat(back.get("state").asText()).as(back.toString()).isEqualTo("succeeded");
      JsonNode atHome = api.get(item);
      assertThat(atHome.get("state").asText()).isEqualTo("failed-over");
      assertThat(atHome.get("activeSiteId").asText()).isEqualTo(home);
      assertThat(api.get("/vms/" + cloudVmId).get("powerState").asText()).isEqualTo("off");
      assertThat(sha256(api, user.vmId())).isEqualTo(written);
      JsonNode view = api.get(item + "/failover");
      assertThat(view.get("vmId").asText()).isEqualTo(user.vmId());
      assertThat(view.get("syncedBytes").asLong()).isBetween((long) BLOCK, 4L * BLOCK + 8192);

      // Commit: the cloud VM goes and the VM at home is protected to the cloud again.
      decide(api, user, item + "/commit");
      user.awaitItem(i -> i.path("state").asText().equals("protected"), WAIT);
      assertThat(api.raw("GET", "/vms/" + cloudVmId, null).status()).isEqualTo(404);
      long since = System.currentTimeMillis();
      user.writeTo(nbd(api, user.vmId()), 3);
      JsonNode protectedAgain =
          user.awaitItem(
              i -> i.path("state").asText().equals("protected") && recoveryPointAfter(i, since),
              WAIT);
      assertThat(protectedAgain.get("activeSiteId").asText()).isEqualTo(home);

      // The same round trip through a recovery plan (R18): away to the cloud, commit, then the
      // plan's secondary-to-primary run is the failback.
      String planId =
          api.post(
                  "/recovery-plans",
                  Map.of("name", "cloud", "groups", List.of(Map.of("vms", List.of(user.vmId())))))
              .get("id")
              .asText();
      runPlan(api, planId, "primary-to-secondary");
      String cloudAgain = api.get(item).get("replicaVmId").asText();
      assertThat(sha256(api, cloudAgain)).isEqualTo(user.model().sha256());
      decide(api, user, item + "/commit");
      user.writeTo(nbd(api, cloudAgain), 2);
      JsonNode failback = runPlan(api, planId, "secondary-to-primary");
      JsonNode member = failback.get("groups").get(0).get("members").get(0);
      assertThat(member.get("state").asText()).as(member.toString()).isEqualTo("succeeded");
      assertThat(api.get(item).get("state").asText()).isEqualTo("failed-over");
      assertThat(sha256(api, user.vmId())).isEqualTo(user.model().sha256());
      decide(api, user, item + "/commit");
      user.awaitItem(i -> i.path("state").asText().equals("protected"), WAIT);
    }
  }

  /** Runs the plan's planned failover in {@code direction} to its end; it must succeed. */
  private static JsonNode runPlan(HavenApiClient api, String planId, String direction)
      throws InterruptedException {
    JsonNode accepted =
        api.post(
            "/recovery-plans/" + planId + "/failover",
            Map.of("type", "planned", "direction", direction, "recoveryPoint", "latest"));
    JsonNode report =
        new PlanFleet(api, System.out, 0, 0)
            .awaitRun(planId, accepted.get("runId").asText(), PlanFleet::ended, WAIT);
    assertThat(report.get("state").asText()).as(report.toString()).isEqualTo("succeeded");
    return report;
  }

  /** Posts an operator's decision and waits for its job to succeed. */
  private static void decide(HavenApiClient api, DemoScenario user, String path)
      throws InterruptedException {
    String jobId = api.post(path, Map.of()).get("jobId").asText();
    JsonNode job = user.awaitJob(jobId, WAIT);
    assertThat(job.get("state").asText()).as(job.toString()).isEqualTo("succeeded");
  }

  private static boolean recoveryPointAfter(JsonNode item, long millis) {
    JsonNode last = item.path("lastRecoveryPoint");
    return !last.isMissingNode()
        && !last.isNull()
        && java.time.Instant.parse(last.asText()).toEpochMilli() > millis;
  }

  private static String nbd(HavenApiClient api, String vmId) {
    return api.get("/vms/" + vmId).get("disks").get(0).get("nbd").asText();
  }

  private String sha256(HavenApiClient api, String vmId) throws Exception {
    return QemuIo.sha256OfExport(nbd(api, vmId), tmp);
  }
}
