package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.store.Drill;
import dev.haven.store.DrillDao;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.FailoverView;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Unplanned failover (R17) and the decisions after a failover (R20, R24) through the API: commit,
 * cancel and change-recovery-point answer 202 with a job the workflow accepted, or 409 naming the
 * state, storing nothing.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class AfterFailoverApiTest {
  static final ApiHarness H = new ApiHarness("after-failover");
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;
  static final FakeAgent PRIMARY = FakeAgent.start("af-p1", "primary");
  static final FakeAgent SECONDARY = FakeAgent.start("af-s1", "secondary");
  static TestInventory inv;

  @BeforeAll
  static void inventory() {
    inv = TestInventory.create(H.http(), PRIMARY, SECONDARY, "af");
  }

  @AfterAll
  static void close() {
    PRIMARY.close();
    SECONDARY.close();
    H.close();
  }

  /** A new protected item whose store and workflow state is {@code state}. */
  private static String item(String name, ItemState state) throws Exception {
    return inv.protectedItem(H, name, state, "replica").id();
  }

  private static long jobs() {
    return H.jdbi().onDemand(JobDao.class).count();
  }

  private static Job job(String jobId) {
    return H.jdbi().onDemand(JobDao.class).find(jobId).orElseThrow();
  }

  @Test
  void R17_unplannedFailoverFromErrorIs202WithAnUnplannedJobAndItsCommitTimer() throws Exception {
    String itemId = item("r17-unplanned", ItemState.ERROR);
    // The fake's validator speaks for a protected item; the store's state is what the API checks.
    FakeProtectedItemWorkflow.STATES.put(itemId, ItemState.PROTECTED);

    Http.Reply reply =
        H.http()
            .post(
                "/protected-items/" + itemId + "/failover",
                "{\"type\":\"unplanned\",\"autoCommitSeconds\":600}");

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    String jobId = reply.text("jobId");
    assertThat(job(jobId).type()).isEqualTo("unplanned-failover");
    assertThat(FakeProtectedItemWorkflow.FAILOVERS.get(itemId))
        .containsExactly(new FailoverRequest(jobId, "unplanned", "latest", 600));
  }

  @Test
  void R17_negativeCommitTimerIs400() throws Exception {
    String itemId = item("r17-timer", ItemState.PROTECTED);
    long before = jobs();

    Http.Reply reply =
        H.http()
            .post(
                "/protected-items/" + itemId + "/failover",
                "{\"type\":\"unplanned\",\"autoCommitSeconds\":-1}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(jobs()).isEqualTo(before);
  }

  @Test
  void R20_commitCancelAndChangePointAre202WithTheirJobs() throws Exception {
    String itemId = item("r20-ok", ItemState.FAILED_OVER);

    Http.Reply commit = H.http().post("/protected-items/" + itemId + "/commit", "{}");
    Http.Reply cancel = H.http().post("/protected-items/" + itemId + "/cancel", "{}");
    Http.Reply change =
        H.http()
            .post(
                "/protected-items/" + itemId + "/change-recovery-point",
                "{\"recoveryPoint\":\"latest-app-consistent\"}");

    assertThat(commit.status()).as(commit.body()).isEqualTo(202);
    assertThat(cancel.status()).as(cancel.body()).isEqualTo(202);
    assertThat(change.status()).as(change.body()).isEqualTo(202);
    assertThat(job(commit.text("jobId")).type()).isEqualTo("commit");
    assertThat(job(cancel.text("jobId")).type()).isEqualTo("cancel-failover");
    assertThat(job(change.text("jobId")).type()).isEqualTo("change-recovery-point");
    assertThat(FakeProtectedItemWorkflow.OPERATIONS.get(itemId))
        .containsExactly(
            "commit:" + commit.text("jobId"),
            "cancel:" + cancel.text("jobId"),
            "change-recovery-point:latest-app-consistent");
  }

  @Test
  void R20_decisionsOnAProtectedItemAre409NamingTheStateAndAddNoJob() throws Exception {
    String itemId = item("r20-early", ItemState.PROTECTED);
    long before = jobs();

    for (String verb : new String[] {"commit", "cancel"}) {
      Http.Reply reply = H.http().post("/protected-items/" + itemId + "/" + verb, "{}");
      assertThat(reply.status()).isEqualTo(409);
      assertThat(reply.text("message"))
          .isEqualTo(
              verb
                  + " is not allowed while the item is in state protected;"
                  + " it is allowed in state failed-over");
    }
    assertThat(jobs()).isEqualTo(before);
  }

  @Test
  void R20_aDecisionTheWorkflowRejectsIs409AndAddsNoJob() throws Exception {
    // The store says failed-over; the workflow still protects: its validator has the last word.
    String itemId = item("r20-stale", ItemState.FAILED_OVER);
    FakeProtectedItemWorkflow.STATES.put(itemId, ItemState.PROTECTED);
    long before = jobs();

    Http.Reply reply = H.http().post("/protected-items/" + itemId + "/commit", "{}");

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.text("message")).contains("state protected").contains("(workflow)");
    assertThat(jobs()).isEqualTo(before);
  }

  @Test
  void R20_changeToAnUnknownPointIs400NamingTheField() throws Exception {
    String itemId = item("r20-point", ItemState.FAILED_OVER);
    long before = jobs();

    Http.Reply reply =
        H.http()
            .post(
                "/protected-items/" + itemId + "/change-recovery-point",
                "{\"recoveryPoint\":\"rp-99\"}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.text("field")).isEqualTo("recoveryPoint");
    assertThat(jobs()).isEqualTo(before);
  }

  @Test
  void R27_testFailoverIs202WithATestFailoverJob() throws Exception {
    String itemId = item("r27-test", ItemState.PROTECTED);

    Http.Reply reply =
        H.http()
            .post(
                "/protected-items/" + itemId + "/failover",
                "{\"type\":\"test\",\"recoveryPoint\":\"latest\"}");

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    assertThat(job(reply.text("jobId")).type()).isEqualTo("test-failover");
    assertThat(FakeProtectedItemWorkflow.FAILOVERS.get(itemId))
        .containsExactly(new FailoverRequest(reply.text("jobId"), "test", "latest"));
  }

  @Test
  void R27_cleanUpIs202WithTheVerdictAndDrillsAreListed() throws Exception {
    String itemId = item("r27-clean", ItemState.TEST_FAILOVER);

    Http.Reply reply =
        H.http()
            .post(
                "/protected-items/" + itemId + "/test-failover-cleanup",
                "{\"verdict\":\"passed\",\"notes\":\"ok\"}");

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    assertThat(job(reply.text("jobId")).type()).isEqualTo("test-failover-cleanup");
    assertThat(FakeProtectedItemWorkflow.OPERATIONS.get(itemId))
        .containsExactly("test-failover-cleanup:passed");
  }

  @Test
  void R27_drillsAndTheRunningTestVmAreServedFromTheStoreWithoutTheWorkflow() throws Exception {
    String itemId = item("r27-drills", ItemState.TEST_FAILOVER);
    DrillDao drills = H.jdbi().onDemand(DrillDao.class);
    drills.record(
        new Drill(
            "job-d1",
            itemId,
            "vm-t1",
            "rp-3",
            3,
            1_700_000_000_000L,
            1_700_000_060_000L,
            60_000L,
            "failed",
            "no answer",
            "job-c1"));
    drills.record(
        new Drill(
            "job-d2",
            itemId,
            "vm-t2",
            "rp-4",
            4,
            1_700_000_100_000L,
            null,
            null,
            null,
            null,
            null));
    // The store is all the API reads: the item's workflow knows none of these drills.
    FakeProtectedItemWorkflow.STATES.remove(itemId);

    Http.Reply reply = H.http().get("/protected-items/" + itemId + "/drills");

    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    JsonNode list = new ObjectMapper().readTree(reply.body());
    assertThat(list).hasSize(2);
    assertThat(list.get(0).get("jobId").asText()).isEqualTo("job-d1");
    assertThat(list.get(0).get("verdict").asText()).isEqualTo("failed");
    assertThat(list.get(0).get("durationMillis").asLong()).isEqualTo(60_000L);
    assertThat(list.get(0).get("endedAt").asText()).isEqualTo("2023-11-14T22:14:20Z");
    assertThat(list.get(0).get("running").asBoolean()).isFalse();
    assertThat(list.get(1).get("pointId").asText()).isEqualTo("rp-4");
    assertThat(list.get(1).get("running").asBoolean()).isTrue();
    assertThat(list.get(1).get("endedAt").isNull()).isTrue();
    Http.Reply item = H.http().get("/protected-items/" + itemId);
    assertThat(item.text("testVmId")).isEqualTo("vm-t2");

    // The clean-up's write ends the drill once; a retried write changes nothing.
    Drill ended =
        new Drill(
            "job-d2",
            itemId,
            "vm-t2",
            "rp-4",
            4,
            1_700_000_100_000L,
            1_700_000_130_000L,
            30_000L,
            "passed",
            null,
            "job-c2");
    assertThat(drills.record(ended)).isTrue();
    assertThat(drills.record(ended)).isFalse();
    assertThat(drills.forItem(itemId).get(1)).isEqualTo(ended);
  }

  @Test
  void R27_cleanUpWithoutADrillIs409AndABadVerdictIs400() throws Exception {
    String itemId = item("r27-none", ItemState.PROTECTED);
    long before = jobs();

    Http.Reply none = H.http().post("/protected-items/" + itemId + "/test-failover-cleanup", "{}");
    Http.Reply bad =
        H.http()
            .post(
                "/protected-items/" + itemId + "/test-failover-cleanup", "{\"verdict\":\"maybe\"}");

    assertThat(none.status()).isEqualTo(409);
    assertThat(none.text("message"))
        .isEqualTo(
            "test-failover-cleanup is not allowed while the item is in state protected;"
                + " it is allowed in state test-failover");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(jobs()).isEqualTo(before);
  }

  @Test
  void R19_addressesMustBeIpLiteralsAndReachTheWorkflow() throws Exception {
    String itemId = item("r19-ip", ItemState.PROTECTED);
    long before = jobs();

    Http.Reply bad =
        H.http()
            .post(
                "/protected-items/" + itemId + "/failover",
                "{\"type\":\"planned\",\"staticIp\":\"db.example.com\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.text("field")).isEqualTo("staticIp");
    assertThat(jobs()).isEqualTo(before);

    Http.Reply ok =
        H.http()
            .post(
                "/protected-items/" + itemId + "/failover",
                "{\"type\":\"planned\",\"staticIp\":\"10.0.0.9\",\"publicIp\":\"2001:db8::9\"}");
    assertThat(ok.status()).as(ok.body()).isEqualTo(202);
    assertThat(FakeProtectedItemWorkflow.FAILOVERS.get(itemId))
        .containsExactly(
            new FailoverRequest(
                ok.text("jobId"), "planned", "latest", null, "10.0.0.9", "2001:db8::9"));
  }

  @Test
  void R17_theVmRunningAfterAFailoverIsReadableAnd404WhenNotFailedOver() throws Exception {
    String failed = item("r17-view", ItemState.FAILED_OVER);
    String running = item("r17-none", ItemState.PROTECTED);
    FakeProtectedItemWorkflow.FAILED_OVER.put(
        failed, new FailoverView("unplanned", "vm-copy-1", "rp-3", 3, null));

    Http.Reply view = H.http().get("/protected-items/" + failed + "/failover");
    Http.Reply none = H.http().get("/protected-items/" + running + "/failover");
    Http.Reply unknown = H.http().get("/protected-items/no-such-item/failover");

    assertThat(view.status()).as(view.body()).isEqualTo(200);
    assertThat(view.text("vmId")).isEqualTo("vm-copy-1");
    assertThat(view.text("pointId")).isEqualTo("rp-3");
    assertThat(none.status()).as(none.body()).isEqualTo(404);
    assertThat(none.text("message")).contains("is not failed over");
    assertThat(unknown.status()).isEqualTo(404);
  }
}
