package dev.haven.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.dist.client.HavenApiClient;
import dev.haven.dist.client.PlanFleet;
import dev.haven.dist.client.QemuIo;
import dev.haven.dist.standalone.StandaloneOptions;
import dev.haven.dist.standalone.StandalonePorts;
import dev.haven.dist.standalone.StandaloneStack;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery plans (R18) for every failover type and both directions, with the whole standalone stack
 * in this JVM (the real Temporal test server, worker, API on H2 and both agents over mutual TLS),
 * so that the primary site's agent can be stopped as a host that goes down. Small VMs are written
 * by qemu-io and every disk that runs after a plan is hashed whole over NBD. The tests share one
 * stack and run in order: the test failover and the round trip need the primary agent, the
 * unplanned run stops it, and the last test restarts the stack.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecoveryPlanFailoverKindsTest {
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final int DISK_BYTES = 2 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private Path tmp;
  private StandaloneOptions options;
  private StandaloneStack stack;
  private HavenApiClient api;
  private PlanFleet fleet;
  private List<String> drillVms;
  private String homeVm;
  private String unplannedVm;
  private String drillPlanId;

  @BeforeAll
  void startStackWithProtectedVms(@TempDir Path dir) throws Exception {
    tmp = dir;
    Path data = tmp.resolve("haven-data");
    int[] ports = StandaloneProcess.freePorts(6);
    int ui = StandaloneProcess.freePorts(6)[0];
    options =
        new StandaloneOptions(
            data,
            "test-server",
            "127.0.0.1",
            new StandalonePorts(ports[0], ports[1], ui, ports[2], ports[4]));
    stack = StandaloneStack.start(options, quietOut());
    api = new HavenApiClient("http://127.0.0.1:" + ports[0]);
    Path scripts = data.resolve("agents/primary/scripts/plans");
    Files.createDirectories(scripts);
    Path quiesce = scripts.resolve("quiesce.sh");
    Files.writeString(quiesce, "#!/bin/sh\necho \"quiesced $1\"\n");
    Files.setPosixFilePermissions(quiesce, PosixFilePermissions.fromString("rwxr-xr-x"));
    fleet = new PlanFleet(api, System.out, DISK_BYTES, 18);
    fleet.useStandaloneSites(5);
    List<String> vms = fleet.createVms("kinds-vm", 4, 8);
    drillVms = vms.subList(0, 2);
    homeVm = vms.get(2);
    unplannedVm = vms.get(3);
    fleet.protect(vms, WAIT);
  }

  @AfterAll
  void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void R18_testFailoverPlanAndCleanup() throws Exception {
    String host = fleet.primaryHostId();
    drillPlanId =
        createPlan(
            "{\"name\":\"drill\",\"groups\":["
                + "{\"name\":\"db\",\"vms\":[\""
                + drillVms.get(0)
                + "\"],\"pre\":[{\"id\":\"quiesce\",\"kind\":\"script\",\"host\":\""
                + host
                + "\",\"script\":\"quiesce.sh\",\"args\":[\"db\"],\"timeoutSeconds\":30}]},"
                + "{\"name\":\"web\",\"vms\":[\""
                + drillVms.get(1)
                + "\"]}]}");
    HavenApiClient.Response none =
        api.raw("POST", "/recovery-plans/" + drillPlanId + "/test-failover-cleanup", "{}");
    assertThat(none.status()).as(none.body()).isEqualTo(409);
    assertThat(none.json().get("message").asText()).contains("no test failover");

    // The test run starts every member's test VM, group by group, with the group's actions.
    JsonNode accepted =
        api.post("/recovery-plans/" + drillPlanId + "/failover", Map.of("type", "test"));
    JsonNode report =
        fleet.awaitRun(drillPlanId, accepted.get("runId").asText(), PlanFleet::ended, WAIT);
    assertThat(report.get("state").asText()).as(report.toString()).isEqualTo("succeeded");
    assertThat(report.get("type").asText()).isEqualTo("test");
    JsonNode quiesced = report.get("groups").get(0).get("pre").get(0);
    assertThat(quiesced.get("state").asText()).isEqualTo("succeeded");
    assertThat(quiesced.get("output").asText()).isEqualTo("quiesced db\n");
    long drillStart = Long.MAX_VALUE;
    for (String vm : drillVms) {
      String itemId = fleet.itemOf(vm);
      JsonNode item = api.get("/protected-items/" + itemId);
      assertThat(item.get("state").asText()).isEqualTo("test-failover");
      String testVm = item.get("testVmId").asText();
      JsonNode drill = onlyDrill(itemId);
      assertThat(drill.get("running").asBoolean()).isTrue();
      assertThat(drill.get("testVmId").asText()).isEqualTo(testVm);
      drillStart = Math.min(drillStart, drill.get("startedAtMillis").asLong());
      JsonNode member = report.get("groups").get(drillVms.indexOf(vm)).get("members").get(0);
      assertThat(member.get("recoveryPoint").asText()).isEqualTo(drill.get("pointId").asText());
      JsonNode testVmView = api.get("/vms/" + testVm);
      assertThat(testVmView.get("powerState").asText()).isEqualTo("on");
      // Nothing was written since protection: the point the drill runs is what the guest wrote.
      String uri = testVmView.get("disks").get(0).get("nbd").asText();
      assertThat(QemuIo.sha256OfExport(uri, tmp)).as(vm).isEqualTo(fleet.written(vm));
    }

    // Replication goes on under the drill: every member gets a recovery point made after it began.
    for (String vm : drillVms) {
      fleet.write(vm, 3);
    }
    long since = drillStart;
    for (String vm : drillVms) {
      awaitPointAfter(fleet.itemOf(vm), since);
    }

    // The clean-up: every test VM goes, in reverse group order, with the verdict in each drill.
    HavenApiClient.Response badVerdict =
        api.raw(
            "POST",
            "/recovery-plans/" + drillPlanId + "/test-failover-cleanup",
            "{\"verdict\":\"maybe\"}");
    assertThat(badVerdict.status()).isEqualTo(400);
    assertThat(badVerdict.json().get("field").asText()).isEqualTo("verdict");
    JsonNode cleanup =
        api.post(
            "/recovery-plans/" + drillPlanId + "/test-failover-cleanup",
            Map.of("verdict", "passed", "notes", "both tiers answered"));
    String cleanupRun = cleanup.get("runId").asText();
    JsonNode cleaned = fleet.awaitRun(drillPlanId, cleanupRun, PlanFleet::ended, WAIT);
    assertThat(cleaned.get("state").asText()).as(cleaned.toString()).isEqualTo("succeeded");
    assertThat(cleaned.get("type").asText()).isEqualTo("test-cleanup");
    JsonNode db = cleaned.get("groups").get(0);
    JsonNode web = cleaned.get("groups").get(1);
    assertThat(db.get("pre")).isEmpty();
    assertThat(Instant.parse(web.get("endedAt").asText()))
        .isBeforeOrEqualTo(Instant.parse(db.get("startedAt").asText()));
    assertThat(api.get("/jobs/" + cleanup.get("jobId").asText()).get("state").asText())
        .isEqualTo("succeeded");
    for (JsonNode group : cleaned.get("groups")) {
      JsonNode member = group.get("members").get(0);
      assertThat(member.get("state").asText()).as(member.toString()).isEqualTo("succeeded");
      String itemId = member.get("itemId").asText();
      JsonNode item = api.get("/protected-items/" + itemId);
      assertThat(item.get("state").asText()).isEqualTo("protected");
      assertThat(item.get("testVmId").isNull()).isTrue();
      JsonNode drill = onlyDrill(itemId);
      assertThat(drill.get("running").asBoolean()).isFalse();
      assertThat(drill.get("verdict").asText()).isEqualTo("passed");
      assertThat(drill.get("notes").asText()).isEqualTo("both tiers answered");
      assertThat(drill.get("cleanupJobId").asText()).isEqualTo(member.get("jobId").asText());
      assertThat(member.get("recoveryPoint").asText()).isEqualTo(drill.get("pointId").asText());
      assertThat(drill.get("durationMillis").asLong()).isPositive();
      assertThat(api.raw("GET", "/vms/" + drill.get("testVmId").asText(), null).status())
          .isEqualTo(404);
    }
    HavenApiClient.Response again =
        api.raw("POST", "/recovery-plans/" + drillPlanId + "/test-failover-cleanup", "{}");
    assertThat(again.status()).as(again.body()).isEqualTo(409);
    assertThat(again.json().get("message").asText()).contains("cleaned up already");
  }

  @Test
  @Order(2)
  void R18_planFailsBackSecondaryToPrimary() throws Exception {
    String planId = createPlan("{\"name\":\"home\",\"groups\":[{\"vms\":[\"" + homeVm + "\"]}]}");
    String itemId = fleet.itemOf(homeVm);
    fleet.write(homeVm, 4);

    // Away: a planned run primary-to-secondary loses nothing.
    JsonNode away = run(planId, "planned", "primary-to-secondary");
    assertThat(member(away).get("dataLossWindowMillis").asLong()).isZero();
    assertThat(fleet.replicaSha256(homeVm, tmp)).isEqualTo(fleet.written(homeVm));
    String atSecondary = api.get("/protected-items/" + itemId + "/failover").get("vmId").asText();

    // Commit: the item is protected in the reverse direction on its own (R23, R25).
    api.post("/protected-items/" + itemId + "/commit", Map.of());
    String secondary = fleet.secondarySiteId();
    fleet.awaitItems(
        List.of(homeVm),
        i ->
            i.path("state").asText().equals("protected")
                && i.path("activeSiteId").asText().equals(secondary),
        "protected from the secondary site",
        WAIT);
    fleet.writeAt(homeVm, atSecondary, 5);

    // A run primary-to-secondary finds nothing to do now; secondary-to-primary brings it home.
    JsonNode wrongWay = run(planId, "planned", "primary-to-secondary");
    assertThat(member(wrongWay).get("state").asText()).isEqualTo("skipped");
    JsonNode home = run(planId, "planned", "secondary-to-primary");
    assertThat(home.get("direction").asText()).isEqualTo("secondary-to-primary");
    assertThat(member(home).get("dataLossWindowMillis").asLong()).isZero();
    JsonNode item = api.get("/protected-items/" + itemId);
    assertThat(item.get("state").asText()).isEqualTo("failed-over");
    String running = api.get("/protected-items/" + itemId + "/failover").get("vmId").asText();
    assertThat(running).isEqualTo(homeVm);
    assertThat(api.get("/vms/" + running).get("hostId").asText()).isEqualTo(fleet.primaryHostId());
    assertThat(fleet.replicaSha256(homeVm, tmp))
        .as("the VM at the primary holds what the secondary had at its shutdown")
        .isEqualTo(fleet.written(homeVm));
  }

  @Test
  @Order(3)
  void R18_unplannedPlanFailsOverWithTheSourceAgentDown() throws Exception {
    String planId =
        createPlan("{\"name\":\"disaster\",\"groups\":[{\"vms\":[\"" + unplannedVm + "\"]}]}");
    String itemId = fleet.itemOf(unplannedVm);
    fleet.write(unplannedVm, 4);
    long written = System.currentTimeMillis();
    awaitPointAfter(itemId, written);

    stack.stopAgent("primary");
    JsonNode report = run(planId, "unplanned", "primary-to-secondary");
    JsonNode member = member(report);
    assertThat(member.get("recoveryPoint").asText()).startsWith("rp-");
    assertThat(member.get("dataLossWindowMillis").asLong()).isNotNegative();
    assertThat(api.get("/protected-items/" + itemId).get("state").asText())
        .isEqualTo("failed-over");
    // The guest wrote nothing after that point, so the copy holds everything it wrote.
    assertThat(fleet.replicaSha256(unplannedVm, tmp)).isEqualTo(fleet.written(unplannedVm));
  }

  @Test
  @Order(4)
  void R27_drillReportsOutliveARestartOfTheStack() throws Exception {
    stack.close();
    stack = StandaloneStack.start(options, quietOut());
    for (String vm : drillVms) {
      JsonNode drill = onlyDrill(fleet.itemOf(vm));
      assertThat(drill.get("verdict").asText()).isEqualTo("passed");
      assertThat(drill.get("running").asBoolean()).isFalse();
    }
  }

  private String createPlan(String body) throws Exception {
    return api.post("/recovery-plans", JSON.readTree(body)).get("id").asText();
  }

  /** Runs the plan to its end and answers its report, which must have succeeded. */
  private JsonNode run(String planId, String type, String direction) throws Exception {
    JsonNode accepted =
        api.post(
            "/recovery-plans/" + planId + "/failover",
            Map.of("type", type, "direction", direction, "recoveryPoint", "latest"));
    JsonNode report =
        fleet.awaitRun(planId, accepted.get("runId").asText(), PlanFleet::ended, WAIT);
    assertThat(report.get("state").asText()).as(report.toString()).isEqualTo("succeeded");
    return report;
  }

  private static JsonNode member(JsonNode report) {
    return report.get("groups").get(0).get("members").get(0);
  }

  private JsonNode onlyDrill(String itemId) {
    JsonNode drills = api.get("/protected-items/" + itemId + "/drills");
    assertThat(drills).as(drills.toString()).hasSize(1);
    return drills.get(0);
  }

  /** Waits until the item has a recovery point made after {@code millis}. */
  private void awaitPointAfter(String itemId, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode points = api.get("/protected-items/" + itemId + "/recovery-points");
      if (points.size() > 0
          && Instant.parse(points.get(0).get("createdAt").asText()).toEpochMilli() > millis) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("item " + itemId + " made no recovery point after " + millis);
  }

  /** The stack's start-up lines go to the test's output. */
  private static PrintStream quietOut() {
    return System.out;
  }
}
