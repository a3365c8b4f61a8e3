package dev.haven.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.haven.dist.client.HavenApiClient;
import dev.haven.dist.client.PlanFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
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
 * Recovery plans (R18) end to end: {@code haven standalone} as a real process (real Temporal test
 * server, worker, API and agents over mutual TLS), six small VMs written by qemu-io and protected
 * through the API, plans submitted as JSON, scripts run by the primary agent from its scripts
 * folder, a manual step released through the API, and replicas hashed over NBD.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecoveryPlanEndToEndTest {
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final int DISK_BYTES = 2 * 1024 * 1024;

  private Path tmp;

  private StandaloneProcess stack;
  private HavenApiClient api;
  private PlanFleet fleet;
  private List<String> vms;

  @BeforeAll
  void startStackWithProtectedVms(@TempDir Path dir) throws Exception {
    tmp = dir;
    Path data = tmp.resolve("haven-data");
    stack = new StandaloneProcess(data);
    stack.start(WAIT);
    api = new HavenApiClient(stack.apiUrl());
    Path scripts = data.resolve("agents/primary/scripts/plans");
    Files.createDirectories(scripts);
    script(scripts.resolve("quiesce.sh"), "#!/bin/sh\necho \"quiesced $1 $2\"\nexit 0\n");
    script(scripts.resolve("broken.sh"), "#!/bin/sh\necho 'database unreachable' >&2\nexit 3\n");
    fleet = new PlanFleet(api, System.out, DISK_BYTES, 18);
    fleet.useStandaloneSites(5);
    vms = fleet.createVms("plan-vm", 6, 8);
    fleet.protect(vms, WAIT);
  }

  @AfterAll
  void stopStack() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void R18_invalidPlansAreRefusedNamingTheFieldAndNothingIsStored() throws Exception {
    String host = fleet.primaryHostId();
    String vm = vms.get(0);
    Map<String, String> cases =
        Map.of(
            "groups[0].vms[0]",
            plan(group("[\"vm-nope\"]", "[]", "[]")),
            "groups[1].vms[0]",
            plan(group(q(vm), "[]", "[]") + "," + group(q(vm), "[]", "[]")),
            "groups[0].vms",
            plan(group("[]", "[]", "[]")),
            "groups[0].pre[0].host",
            plan(group(q(vm), "[" + script("s1", "host-nope", "quiesce.sh", "abort") + "]", "[]")),
            "groups[0].pre[0].kind",
            plan(group(q(vm), "[{\"id\":\"x\",\"kind\":\"reboot\"}]", "[]")),
            "groups[0].post[0].onFailure",
            plan(group(q(vm), "[]", "[" + script("s2", host, "quiesce.sh", "ignore") + "]")),
            "groups[0].pre[0].script",
            plan(group(q(vm), "[" + script("s3", host, "../../bin/sh", "abort") + "]", "[]")));
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HavenApiClient.Response answer = api.raw("POST", "/recovery-plans", c.getValue());
      assertThat(answer.status()).as(c.getKey() + ": " + answer.body()).isEqualTo(400);
      assertThat(answer.json().get("field").asText()).as(answer.body()).isEqualTo(c.getKey());
    }
    assertThat(api.get("/recovery-plans").size()).isZero();

    // An update that is refused leaves the stored plan as it was.
    String good = plan(group(q(vm), "[]", "[]"));
    JsonNode stored = api.post("/recovery-plans", json(good));
    String id = stored.get("id").asText();
    HavenApiClient.Response refused =
        api.raw("PUT", "/recovery-plans/" + id, plan(group("[\"vm-nope\"]", "[]", "[]")));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(api.get("/recovery-plans/" + id)).isEqualTo(stored);
    assertThat(api.raw("DELETE", "/recovery-plans/" + id, null).status()).isEqualTo(204);
    assertThat(api.get("/recovery-plans").size()).isZero();
  }

  @Test
  @Order(2)
  void R18_twoGroupPlanRunsScriptAndManualStepAndFailsOverByteExact() throws Exception {
    String host = fleet.primaryHostId();
    List<String> first = List.of(vms.get(0));
    List<String> second = List.of(vms.get(1), vms.get(2));
    String body =
        "{\"name\":\"two-tiers\",\"groups\":["
            + "{\"name\":\"db\",\"vms\":"
            + list(first)
            + ",\"pre\":[{\"id\":\"quiesce-db\",\"kind\":\"script\",\"host\":\""
            + host
            + "\",\"script\":\"quiesce.sh\",\"args\":[\"db\",\"now\"],\"timeoutSeconds\":30}],"
            + "\"post\":[{\"id\":\"check-db\",\"kind\":\"manual\",\"message\":\"Is the DB up?\"}]},"
            + "{\"name\":\"web\",\"vms\":"
            + list(second)
            + "}]}";
    String planId = api.post("/recovery-plans", json(body)).get("id").asText();
    for (String vm : vms.subList(0, 3)) {
      fleet.write(vm, 4);
    }

    JsonNode accepted =
        api.post(
            "/recovery-plans/" + planId + "/failover",
            Map.of(
                "type", "planned", "direction", "primary-to-secondary", "recoveryPoint", "latest"));
    String runId = accepted.get("runId").asText();
    String jobId = accepted.get("jobId").asText();

    JsonNode waiting =
        fleet.awaitRun(planId, runId, r -> r.path("state").asText().equals("waiting"), WAIT);
    JsonNode db = waiting.get("groups").get(0);
    assertThat(db.get("pre").get(0).get("state").asText()).isEqualTo("succeeded");
    assertThat(db.get("pre").get(0).get("exitCode").asInt()).isZero();
    assertThat(db.get("pre").get(0).get("output").asText()).isEqualTo("quiesced db now\n");
    assertThat(db.get("members").get(0).get("state").asText()).isEqualTo("succeeded");
    assertThat(db.get("post").get(0).get("state").asText()).isEqualTo("waiting");
    assertThat(waiting.get("groups").get(1).get("members").get(0).get("state").asText())
        .isEqualTo("pending");
    assertThat(api.get("/jobs/" + jobId).get("state").asText()).isEqualTo("waiting");

    HavenApiClient.Response unknownStep =
        api.raw(
            "POST",
            "/recovery-plans/" + planId + "/runs/" + runId + "/resume",
            "{\"stepId\":\"nope\"}");
    assertThat(unknownStep.status()).isEqualTo(400);
    api.post(
        "/recovery-plans/" + planId + "/runs/" + runId + "/resume", Map.of("stepId", "check-db"));
    JsonNode report = fleet.awaitRun(planId, runId, PlanFleet::ended, WAIT);

    assertThat(report.get("state").asText()).as(report.toString()).isEqualTo("succeeded");
    assertThat(api.get("/jobs/" + jobId).get("state").asText()).isEqualTo("succeeded");
    List<String> failedOver = new ArrayList<>(first);
    failedOver.addAll(second);
    for (JsonNode group : report.get("groups")) {
      assertThat(group.get("state").asText()).isEqualTo("succeeded");
      for (JsonNode member : group.get("members")) {
        assertThat(member.get("state").asText()).as(member.toString()).isEqualTo("succeeded");
        assertThat(member.get("recoveryPoint").asText()).startsWith("rp-");
        assertThat(member.get("dataLossWindowMillis").asLong()).isZero();
        assertThat(member.get("durationMillis").asLong()).isPositive();
        assertThat(api.get("/jobs/" + member.get("jobId").asText()).get("state").asText())
            .isEqualTo("succeeded");
      }
    }
    for (String vm : failedOver) {
      assertThat(fleet.replicaSha256(vm, tmp)).as(vm).isEqualTo(fleet.written(vm));
      assertThat(api.get("/protected-items/" + fleet.itemOf(vm)).get("state").asText())
          .isEqualTo("failed-over");
    }
  }

  @Test
  @Order(3)
  void R18_failingScriptWithAbortStopsThePlanBeforeTheNextGroup() throws Exception {
    String host = fleet.primaryHostId();
    String body =
        "{\"name\":\"abort-plan\",\"groups\":["
            + group(q(vms.get(3)), "[]", "[" + script("break-db", host, "broken.sh", "abort") + "]")
            + ","
            + group(q(vms.get(4)), "[]", "[]")
            + "]}";
    String planId = api.post("/recovery-plans", json(body)).get("id").asText();
    JsonNode accepted =
        api.post("/recovery-plans/" + planId + "/failover", Map.of("type", "planned"));
    JsonNode report =
        fleet.awaitRun(planId, accepted.get("runId").asText(), PlanFleet::ended, WAIT);

    assertThat(report.get("state").asText()).as(report.toString()).isEqualTo("failed");
    assertThat(report.get("error").asText()).contains("break-db").contains("exited with 3");
    JsonNode broken = report.get("groups").get(0).get("post").get(0);
    assertThat(broken.get("state").asText()).isEqualTo("failed");
    assertThat(broken.get("exitCode").asInt()).isEqualTo(3);
    assertThat(broken.get("output").asText()).isEqualTo("database unreachable\n");
    assertThat(report.get("groups").get(1).get("state").asText()).isEqualTo("skipped");
    assertThat(report.get("groups").get(1).get("members").get(0).get("state").asText())
        .isEqualTo("skipped");
    assertThat(api.get("/jobs/" + accepted.get("jobId").asText()).get("state").asText())
        .isEqualTo("failed");
    // The next group never started: its VM is still protected at the primary site.
    assertThat(api.get("/protected-items/" + fleet.itemOf(vms.get(4))).get("state").asText())
        .isEqualTo("protected");
  }

  @Test
  @Order(4)
  void R18_failingScriptWithWarnIsReportedAndThePlanGoesOn() throws Exception {
    String host = fleet.primaryHostId();
    String body =
        "{\"name\":\"warn-plan\",\"groups\":["
            + group(q(vms.get(4)), "[" + script("try-db", host, "broken.sh", "warn") + "]", "[]")
            + "]}";
    String planId = api.post("/recovery-plans", json(body)).get("id").asText();
    JsonNode accepted =
        api.post("/recovery-plans/" + planId + "/failover", Map.of("type", "planned"));
    JsonNode report =
        fleet.awaitRun(planId, accepted.get("runId").asText(), PlanFleet::ended, WAIT);

    assertThat(report.get("state").asText()).as(report.toString()).isEqualTo("succeeded");
    assertThat(report.get("warnings").asInt()).isEqualTo(1);
    JsonNode group = report.get("groups").get(0);
    assertThat(group.get("pre").get(0).get("state").asText()).isEqualTo("warned");
    assertThat(group.get("members").get(0).get("state").asText()).isEqualTo("succeeded");
    assertThat(fleet.replicaSha256(vms.get(4), tmp)).isEqualTo(fleet.written(vms.get(4)));
  }

  @Test
  @Order(5)
  void R18_cancelledRunStopsWhileWaitingAndLeavesTheRestProtected() throws Exception {
    String body =
        "{\"name\":\"cancel-plan\",\"groups\":["
            + group(q(vms.get(5)), "[{\"id\":\"approve\",\"kind\":\"manual\"}]", "[]")
            + "]}";
    String planId = api.post("/recovery-plans", json(body)).get("id").asText();
    JsonNode accepted =
        api.post("/recovery-plans/" + planId + "/failover", Map.of("type", "planned"));
    String runId = accepted.get("runId").asText();
    fleet.awaitRun(planId, runId, r -> r.path("state").asText().equals("waiting"), WAIT);
    assertThat(api.raw("POST", "/recovery-plans/" + planId + "/failover", "{}").status())
        .isEqualTo(409);

    api.post("/recovery-plans/" + planId + "/runs/" + runId + "/cancel", Map.of());
    JsonNode report = fleet.awaitRun(planId, runId, PlanFleet::ended, WAIT);

    assertThat(report.get("state").asText()).as(report.toString()).isEqualTo("cancelled");
    JsonNode group = report.get("groups").get(0);
    assertThat(group.get("pre").get(0).get("state").asText()).isEqualTo("cancelled");
    assertThat(group.get("members").get(0).get("state").asText()).isEqualTo("cancelled");
    assertThat(api.get("/jobs/" + accepted.get("jobId").asText()).get("state").asText())
        .isEqualTo("cancelled");
    assertThat(api.get("/protected-items/" + fleet.itemOf(vms.get(5))).get("state").asText())
        .isEqualTo("protected");
    HavenApiClient.Response again =
        api.raw("POST", "/recovery-plans/" + planId + "/runs/" + runId + "/cancel", null);
    assertThat(again.status()).isEqualTo(409);
  }

  private static String plan(String groups) {
    return "{\"name\":\"bad\",\"groups\":[" + groups + "]}";
  }

  private static String group(String vms, String pre, String post) {
    return "{\"vms\":" + vms + ",\"pre\":" + pre + ",\"post\":" + post + "}";
  }

  private static String script(String id, String host, String script, String onFailure) {
    return "{\"id\":\""
        + id
        + "\",\"kind\":\"script\",\"host\":\""
        + host
        + "\",\"script\":\""
        + script
        + "\",\"timeoutSeconds\":30,\"onFailure\":\""
        + onFailure
        + "\"}";
  }

  private static String q(String vm) {
    return "[\"" + vm + "\"]";
  }

  private static String list(List<String> vms) {
    return "[\"" + String.join("\",\"", vms) + "\"]";
  }

  private static JsonNode json(String text) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
  }

  private static void script(Path file, String text) throws Exception {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
