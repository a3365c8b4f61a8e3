package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPoint;
import dev.haven.store.RecoveryPointDao;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.FailoverRequest;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Planned failover (R17) through the API and the item workflow's {@code failover} Update. */
@ExtendWith(DropwizardExtensionsSupport.class)
class FailoverApiTest {
  static final ApiHarness H = new ApiHarness("failover");
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;
  static final FakeAgent PRIMARY = FakeAgent.start("fo-p1", "primary");
  static final FakeAgent SECONDARY = FakeAgent.start("fo-s1", "secondary");
  static TestInventory inv;

  @BeforeAll
  static void inventory() {
    inv = TestInventory.create(H.http(), PRIMARY, SECONDARY, "fo");
  }

  @AfterAll
  static void close() {
    PRIMARY.close();
    SECONDARY.close();
    H.close();
  }

  /** A new protected item whose store state is {@code state}, its workflow running. */
  private static String item(String name, String state) throws Exception {
    return item(name, state, null);
  }

  /** As {@link #item(String, String)}, active at {@code activeSiteId} (null: where it started). */
  private static String item(String name, String state, String activeSiteId) throws Exception {
    String vm = TestInventory.newVm(H.http(), inv.primaryHostId(), name);
    Http.Reply reply =
        H.http()
            .post("/protected-items", Http.json(Map.of("vmId", vm, "pairingId", inv.pairingId())));
    String itemId = reply.text("itemId");
    ProtectionApiTest.awaitStarted(itemId);
    ProtectedItemDao dao = H.jdbi().onDemand(ProtectedItemDao.class);
    ProtectedItem item = dao.find(itemId).orElseThrow();
    dao.updateStatus(
        new ProtectedItem(
            item.id(),
            item.vmId(),
            item.pairingId(),
            item.sourceHostId(),
            item.targetHostId(),
            "replica",
            state,
            "normal",
            1L,
            null,
            0L,
            null,
            activeSiteId == null ? item.activeSiteId() : activeSiteId,
            item.workflowId(),
            item.createdAt(),
            item.updatedAt()));
    return itemId;
  }

  private static Http.Reply failover(String itemId, String body) {
    return H.http().post("/protected-items/" + itemId + "/failover", body);
  }

  private static long jobs() {
    return H.jdbi().onDemand(JobDao.class).count();
  }

  @Test
  void R17_plannedFailoverAnswers202WithAJobTheWorkflowAccepted() throws Exception {
    String itemId = item("r17-ok", "protected");
    FakeProtectedItemWorkflow.STATES.put(itemId, ItemState.PROTECTED);

    Http.Reply reply = failover(itemId, "{\"type\":\"planned\"}");

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    String jobId = reply.text("jobId");
    Job job = H.jdbi().onDemand(JobDao.class).find(jobId).orElseThrow();
    assertThat(job.type()).isEqualTo("planned-failover");
    assertThat(job.itemId()).isEqualTo(itemId);
    assertThat(job.workflowId()).isEqualTo("protect/" + itemId);
    assertThat(FakeProtectedItemWorkflow.FAILOVERS.get(itemId))
        .containsExactly(new FailoverRequest(jobId, "planned", "latest"));
  }

  @Test
  void R17_failoverDuringInitialReplicationIs409AndAddsNoJob() throws Exception {
    String itemId = item("r17-early", "initial-replication");
    long before = jobs();

    Http.Reply reply = failover(itemId, "{\"type\":\"planned\",\"recoveryPoint\":\"latest\"}");

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.text("code")).isEqualTo("CONFLICT");
    assertThat(reply.text("message"))
        .isEqualTo(
            "failover is not allowed while the item is in state initial-replication;"
                + " it is allowed in state protected");
    assertThat(jobs()).isEqualTo(before);
    assertThat(FakeProtectedItemWorkflow.FAILOVERS).doesNotContainKey(itemId);
  }

  @Test
  void R17_aFailoverTheWorkflowRejectsIs409WithItsMessageAndAddsNoJob() throws Exception {
    // The store says protected, but the workflow still copies: its validator has the last word.
    String itemId = item("r17-stale", "protected");
    long before = jobs();

    Http.Reply reply = failover(itemId, "{\"type\":\"planned\"}");

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.text("message")).contains("state initial-replication").contains("(workflow)");
    assertThat(jobs()).isEqualTo(before);
  }

  @Test
  void R17_anUnknownFailoverTypeIs400() throws Exception {
    String itemId = item("r17-kinds", "protected");
    long before = jobs();

    Http.Reply unknown = failover(itemId, "{\"type\":\"sideways\"}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.text("field")).isEqualTo("type");
    assertThat(jobs()).isEqualTo(before);
  }

  @Test
  void R17_theRecoveryPointMustBeKnown() throws Exception {
    String itemId = item("r17-point", "protected");
    FakeProtectedItemWorkflow.STATES.put(itemId, ItemState.PROTECTED);
    H.jdbi()
        .onDemand(RecoveryPointDao.class)
        .insert(new RecoveryPoint(itemId, 4, "rp-4", 1_000L, false));

    Http.Reply unknown = failover(itemId, "{\"type\":\"planned\",\"recoveryPoint\":\"rp-9\"}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.text("field")).isEqualTo("recoveryPoint");

    Http.Reply known = failover(itemId, "{\"type\":\"planned\",\"recoveryPoint\":\"rp-4\"}");
    assertThat(known.status()).isEqualTo(202);
    assertThat(FakeProtectedItemWorkflow.FAILOVERS.get(itemId).get(0).recoveryPoint())
        .isEqualTo("rp-4");
  }

  @Test
  void R17_failoverOfAnUnknownItemIs404() {
    Http.Reply reply = failover("item-none", "{\"type\":\"planned\"}");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.text("message")).isEqualTo("protected item 'item-none' does not exist");
  }

  // --- R21: failback from a cloud site ---

  private static String cloudSiteId;
  private static String cloudHostId;

  /** A cloud site with one host, made once. */
  private static synchronized String cloudSite() {
    if (cloudSiteId == null) {
      cloudSiteId =
          TestInventory.created(
              H.http(),
              "/sites",
              Map.of("name", "fo-cloud", "kind", "cloud", "storage", "file:///tmp/fo-cloud"));
      cloudHostId =
          TestInventory.created(
              H.http(),
              "/hosts",
              Map.of("siteId", cloudSiteId, "name", "c1", "agentAddress", SECONDARY.address()));
    }
    return cloudSiteId;
  }

  @Test
  void R21_failbackFromTheCloudGoesToTheWorkflowWithTheAlternateHost() throws Exception {
    String itemId = item("r21-alt", "committed", cloudSite());
    FakeProtectedItemWorkflow.STATES.put(itemId, ItemState.PROTECTED);

    Http.Reply reply =
        failover(
            itemId, Http.json(Map.of("type", "planned", "alternateHostId", inv.primaryHostId())));

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    assertThat(FakeProtectedItemWorkflow.FAILOVERS.get(itemId))
        .containsExactly(
            new FailoverRequest(
                reply.text("jobId"),
                "planned",
                "latest",
                null,
                null,
                null,
                new HostRef(inv.primaryHostId(), inv.primarySiteId(), PRIMARY.address())));
  }

  @Test
  void R21_failbackToTheOriginalNamesNoHost() throws Exception {
    String itemId = item("r21-orig", "committed", cloudSite());
    FakeProtectedItemWorkflow.STATES.put(itemId, ItemState.PROTECTED);

    Http.Reply reply = failover(itemId, "{\"type\":\"planned\"}");

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    assertThat(FakeProtectedItemWorkflow.FAILOVERS.get(itemId))
        .containsExactly(new FailoverRequest(reply.text("jobId"), "planned", "latest"));
  }

  @Test
  void R21_fromTheCloudOnlyAPlannedFailoverToAnOnpremHostIsAcceptedAndNothingIsStored()
      throws Exception {
    String inCloud = item("r21-bad", "committed", cloudSite());
    String onPrem = item("r21-onprem", "protected");
    long before = jobs();

    Http.Reply unplanned = failover(inCloud, "{\"type\":\"unplanned\"}");
    assertThat(unplanned.status()).isEqualTo(409);
    assertThat(unplanned.text("message"))
        .isEqualTo(
            "the item is failed over to a cloud site; only a planned failover (the failback) is"
                + " allowed now, not unplanned");
    Http.Reply unknown =
        failover(inCloud, "{\"type\":\"planned\",\"alternateHostId\":\"host-nope\"}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.text("field")).isEqualTo("alternateHostId");
    assertThat(unknown.text("message")).contains("'host-nope'");
    Http.Reply toCloud =
        failover(inCloud, Http.json(Map.of("type", "planned", "alternateHostId", cloudHostId)));
    assertThat(toCloud.status()).isEqualTo(400);
    assertThat(toCloud.text("message")).contains("on-premises site");
    Http.Reply notInCloud =
        failover(
            onPrem, Http.json(Map.of("type", "planned", "alternateHostId", inv.primaryHostId())));
    assertThat(notInCloud.status()).isEqualTo(409);
    assertThat(notInCloud.text("message"))
        .startsWith("alternateHostId is for a failback from a cloud site");

    assertThat(jobs()).isEqualTo(before);
    assertThat(FakeProtectedItemWorkflow.FAILOVERS).doesNotContainKeys(inCloud, onPrem);
  }

  @Test
  void R21_anItemCommittedInTheCloudMayBeDisabledButOneCommittedOnPremisesMayNot()
      throws Exception {
    String inCloud = item("r21-off", "committed", cloudSite());
    String onPrem = item("r21-off-onprem", "committed");

    Http.Reply off = H.http().delete("/protected-items/" + inCloud);
    assertThat(off.status()).as(off.body()).isEqualTo(202);
    Job job = H.jdbi().onDemand(JobDao.class).find(off.text("jobId")).orElseThrow();
    assertThat(job.type()).isEqualTo("disable-protection");
    Http.Reply refused = H.http().delete("/protected-items/" + onPrem);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.text("message"))
        .isEqualTo("disable-protection is not allowed while the item is in state committed");
  }
}
