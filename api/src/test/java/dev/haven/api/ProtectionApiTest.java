package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPoint;
import dev.haven.store.RecoveryPointDao;
import dev.haven.workflows.protection.ProtectionInput;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Enabling protection (R10), item status (R14) and recovery points (R13) through the API. */
@ExtendWith(DropwizardExtensionsSupport.class)
class ProtectionApiTest {
  static final ApiHarness H = new ApiHarness("protection");
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;
  static final FakeAgent PRIMARY = FakeAgent.start("pro-p1", "primary");
  static final FakeAgent SECONDARY = FakeAgent.start("pro-s1", "secondary");
  static TestInventory inv;

  @BeforeAll
  static void inventory() {
    inv = TestInventory.create(H.http(), PRIMARY, SECONDARY, "pro");
  }

  @AfterAll
  static void close() {
    PRIMARY.close();
    SECONDARY.close();
    H.close();
  }

  private static Http.Reply enable(String vmId, String pairingId) {
    return H.http()
        .post("/protected-items", Http.json(Map.of("vmId", vmId, "pairingId", pairingId)));
  }

  private static long items() {
    return H.jdbi().onDemand(ProtectedItemDao.class).count();
  }

  private static long jobs() {
    return H.jdbi().onDemand(JobDao.class).count();
  }

  static ProtectionInput awaitStarted(String itemId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      ProtectionInput input = FakeProtectedItemWorkflow.STARTED.get(itemId);
      if (input != null) {
        return input;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the workflow of " + itemId + " did not start");
  }

  @Test
  void R10_enablingProtectionAnswers202AndStartsTheWorkflow() throws Exception {
    String vm = TestInventory.newVm(H.http(), inv.primaryHostId(), "r10-vm");

    Http.Reply reply = enable(vm, inv.pairingId());

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    String itemId = reply.text("itemId");
    String jobId = reply.text("jobId");
    ProtectedItem item = H.jdbi().onDemand(ProtectedItemDao.class).find(itemId).orElseThrow();
    assertThat(item.state()).isEqualTo("enabling");
    assertThat(item.workflowId()).isEqualTo("protect/" + itemId);
    assertThat(item.sourceHostId()).isEqualTo(inv.primaryHostId());
    assertThat(item.targetHostId()).isEqualTo(inv.secondaryHostId());
    Job job = H.jdbi().onDemand(JobDao.class).find(jobId).orElseThrow();
    assertThat(job.type()).isEqualTo("enable-protection");
    assertThat(job.state()).isEqualTo("queued");
    assertThat(job.itemId()).isEqualTo(itemId);
    assertThat(job.workflowId()).isEqualTo("protect/" + itemId);

    ProtectionInput input = awaitStarted(itemId);
    assertThat(input.vmId()).isEqualTo(vm);
    assertThat(input.jobId()).isEqualTo(jobId);
    assertThat(input.source().agentAddress()).isEqualTo(PRIMARY.address());
    assertThat(input.target().agentAddress()).isEqualTo(SECONDARY.address());
    assertThat(input.target().siteId()).isEqualTo(inv.secondarySiteId());
    assertThat(input.copyFrequencySeconds()).isEqualTo(15);
    assertThat(input.networkMapping()).containsExactly(Map.entry("lan", "dr-lan"));
    assertThat(input.resume()).isFalse();
    assertThat(input.carryOver()).isNull();

    Http.Reply view = H.http().get("/protected-items/" + itemId);
    assertThat(view.text("state")).isEqualTo("enabling");
    assertThat(view.json().get("rpoSeconds").isNull()).isTrue();
    assertThat(H.http().get("/jobs/" + jobId).text("state")).isEqualTo("queued");
    assertThat(H.http().get("/protected-items").json().findValuesAsText("id")).contains(itemId);
  }

  @Test
  void R1_theVaultRecordsWhatIsProtectedByWhichPolicyAndEveryJob() throws Exception {
    String vm = TestInventory.newVm(H.http(), inv.primaryHostId(), "r1-vm");
    Http.Reply reply = enable(vm, inv.pairingId());
    String itemId = reply.text("itemId");

    Http.Reply item = H.http().get("/protected-items/" + itemId);
    assertThat(item.text("vmId")).isEqualTo(vm);
    String pairingId = item.text("pairingId");
    assertThat(pairingId).isEqualTo(inv.pairingId());
    String policyId = H.http().get("/site-pairings/" + pairingId).text("policyId");
    assertThat(H.http().get("/policies/" + policyId).json().get("copyFrequencySeconds").asInt())
        .isEqualTo(15);
    assertThat(H.http().get("/jobs?itemId=" + itemId).json().findValuesAsText("id"))
        .containsExactly(reply.text("jobId"));
  }

  @Test
  void R10_enablingTheSameVmTwiceIs409() {
    String vm = TestInventory.newVm(H.http(), inv.primaryHostId(), "r10-twice");
    assertThat(enable(vm, inv.pairingId()).status()).isEqualTo(202);
    long items = items();
    long jobs = jobs();

    Http.Reply again = enable(vm, inv.pairingId());

    assertThat(again.status()).isEqualTo(409);
    assertThat(again.text("message")).contains("already protected");
    assertThat(items()).isEqualTo(items);
    assertThat(jobs()).isEqualTo(jobs);
  }

  @Test
  void R10_refusedRequestsStoreNothing() {
    long items = items();
    long jobs = jobs();

    Http.Reply unknownVm = enable("vm-none", inv.pairingId());
    assertThat(unknownVm.status()).isEqualTo(404);
    assertThat(unknownVm.text("field")).isEqualTo("vmId");

    Http.Reply unknownPairing = enable(inv.vmId(), "pair-none");
    assertThat(unknownPairing.status()).isEqualTo(404);
    assertThat(unknownPairing.text("field")).isEqualTo("pairingId");

    String targetVm = TestInventory.newVm(H.http(), inv.secondaryHostId(), "r10-wrong-site");
    Http.Reply wrongSite = enable(targetVm, inv.pairingId());
    assertThat(wrongSite.status()).isEqualTo(400);
    assertThat(wrongSite.text("field")).isEqualTo("pairingId");

    String empty =
        TestInventory.created(H.http(), "/sites", Map.of("name", "pro-empty", "kind", "cloud"));
    String lonely =
        TestInventory.created(
            H.http(),
            "/site-pairings",
            Map.of(
                "sourceSiteId", inv.primarySiteId(),
                "targetSiteId", empty,
                "policyId", inv.policyId()));
    Http.Reply noTargetHost = enable(inv.vmId(), lonely);
    assertThat(noTargetHost.status()).isEqualTo(409);
    assertThat(noTargetHost.text("message")).contains("has no host");

    Http.Reply missing = H.http().post("/protected-items", "{\"vmId\":\"x\"}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.text("field")).isEqualTo("pairingId");

    assertThat(items()).isEqualTo(items);
    assertThat(jobs()).isEqualTo(jobs);
  }

  @Test
  void R10_aVmThatOnlyItsAgentKnowsCanBeProtected() throws Exception {
    PRIMARY.put("pro-hidden", "made-by-hand");

    Http.Reply reply = enable("pro-hidden", inv.pairingId());

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    assertThat(awaitStarted(reply.text("itemId")).vmId()).isEqualTo("pro-hidden");
  }

  @Test
  void R14_itemStatusShowsStateHealthAndRpo() {
    String vm = TestInventory.newVm(H.http(), inv.primaryHostId(), "r14-vm");
    String itemId = enable(vm, inv.pairingId()).text("itemId");
    long now = System.currentTimeMillis();
    ProtectedItemDao dao = H.jdbi().onDemand(ProtectedItemDao.class);
    ProtectedItem item = dao.find(itemId).orElseThrow();
    dao.updateStatus(
        new ProtectedItem(
            item.id(),
            item.vmId(),
            item.pairingId(),
            item.sourceHostId(),
            item.targetHostId(),
            "vm-replica",
            "protected",
            "warning",
            2L,
            now - 30_000,
            4096L,
            "slow link",
            item.activeSiteId(),
            item.workflowId(),
            item.createdAt(),
            now));
    RecoveryPointDao points = H.jdbi().onDemand(RecoveryPointDao.class);
    points.insert(new RecoveryPoint(itemId, 1, "rp-1", now - 90_000, false));
    points.insert(new RecoveryPoint(itemId, 2, "rp-2", now - 30_000, true));

    Http.Reply view = H.http().get("/protected-items/" + itemId);

    assertThat(view.text("vmId")).isEqualTo(vm);
    assertThat(view.text("replicaVmId")).isEqualTo("vm-replica");
    assertThat(view.text("state")).isEqualTo("protected");
    assertThat(view.text("health")).isEqualTo("warning");
    assertThat(view.json().get("rpoSeconds").asLong()).isBetween(29L, 60L);
    assertThat(view.text("lastRecoveryPoint"))
        .isEqualTo(Instant.ofEpochMilli(now - 30_000).toString());
    assertThat(view.text("lastRecoveryPointId")).isEqualTo("rp-2");
    assertThat(view.json().get("pendingBytes").asLong()).isEqualTo(4096L);
    assertThat(view.text("lastError")).isEqualTo("slow link");
    assertThat(view.text("activeSiteId")).isEqualTo(inv.primarySiteId());
  }

  @Test
  void R13_recoveryPointsAreListedNewestFirstInIsoUtc() {
    String vm = TestInventory.newVm(H.http(), inv.primaryHostId(), "r13-vm");
    String itemId = enable(vm, inv.pairingId()).text("itemId");
    RecoveryPointDao points = H.jdbi().onDemand(RecoveryPointDao.class);
    long t = 1_790_000_000_000L;
    points.insert(new RecoveryPoint(itemId, 1, "rp-1", t, false));
    points.insert(new RecoveryPoint(itemId, 3, "rp-3", t + 60_000, true));
    points.insert(new RecoveryPoint(itemId, 2, "rp-2", t + 30_000, false));

    Http.Reply reply = H.http().get("/protected-items/" + itemId + "/recovery-points");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().findValuesAsText("id")).containsExactly("rp-3", "rp-2", "rp-1");
    assertThat(reply.json().get(0).get("createdAt").asText())
        .isEqualTo(Instant.ofEpochMilli(t + 60_000).toString())
        .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z");
    assertThat(reply.json().get(0).get("appConsistent").asBoolean()).isTrue();
  }
}
