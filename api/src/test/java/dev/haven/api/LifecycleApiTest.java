package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.model.ItemState;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Pause, resume, disable, policy changes reaching running items (R9) and the error class (R14). */
@ExtendWith(DropwizardExtensionsSupport.class)
class LifecycleApiTest {
  static final ApiHarness H = new ApiHarness("lifecycle");
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;
  static final FakeAgent PRIMARY = FakeAgent.start("lc-p1", "primary");
  static final FakeAgent SECONDARY = FakeAgent.start("lc-s1", "secondary");
  static TestInventory inv;

  @BeforeAll
  static void inventory() {
    inv = TestInventory.create(H.http(), PRIMARY, SECONDARY, "lc");
  }

  @AfterAll
  static void close() {
    PRIMARY.close();
    SECONDARY.close();
    H.close();
  }

  private static String item(String name, ItemState state, String lastError) throws Exception {
    String vm = TestInventory.newVm(H.http(), inv.primaryHostId(), name);
    Http.Reply reply =
        H.http()
            .post("/protected-items", Http.json(Map.of("vmId", vm, "pairingId", inv.pairingId())));
    String itemId = reply.text("itemId");
    ProtectionApiTest.awaitStarted(itemId);
    FakeProtectedItemWorkflow.STATES.put(itemId, state);
    ProtectedItemDao dao = H.jdbi().onDemand(ProtectedItemDao.class);
    ProtectedItem i = dao.find(itemId).orElseThrow();
    dao.updateStatus(
        new ProtectedItem(
            i.id(),
            i.vmId(),
            i.pairingId(),
            i.sourceHostId(),
            i.targetHostId(),
            "replica",
            state.apiName(),
            lastError == null ? "normal" : "warning",
            1L,
            null,
            0L,
            lastError,
            i.activeSiteId(),
            i.workflowId(),
            i.createdAt(),
            i.updatedAt()));
    return itemId;
  }

  private static List<String> operations(String itemId) {
    return FakeProtectedItemWorkflow.OPERATIONS.getOrDefault(itemId, List.of());
  }

  @Test
  void R28_pauseAndResumeAnswer202WithJobsOfTheirOwn() throws Exception {
    String itemId = item("lc-pause", ItemState.PROTECTED, null);

    Http.Reply pause = H.http().post("/protected-items/" + itemId + "/pause", "");
    Http.Reply resume = H.http().post("/protected-items/" + itemId + "/resume", "");

    assertThat(pause.status()).as(pause.body()).isEqualTo(202);
    assertThat(resume.status()).as(resume.body()).isEqualTo(202);
    Job paused = H.jdbi().onDemand(JobDao.class).find(pause.text("jobId")).orElseThrow();
    assertThat(paused.type()).isEqualTo("pause-replication");
    assertThat(paused.workflowId()).isEqualTo("protect/" + itemId);
    Http.Reply listed = H.http().get("/jobs?itemId=" + itemId + "&type=resume-replication");
    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.body()).contains(resume.text("jobId")).doesNotContain(pause.text("jobId"));
    assertThat(operations(itemId))
        .containsExactly("pause:" + pause.text("jobId"), "resume:" + resume.text("jobId"));
  }

  @Test
  void pauseTheWorkflowRefusesIs409WithItsMessageAndAddsNoJob() throws Exception {
    String itemId = item("lc-refused", ItemState.FAILOVER_IN_PROGRESS, null);
    long before = H.jdbi().onDemand(JobDao.class).count();

    Http.Reply reply = H.http().post("/protected-items/" + itemId + "/pause", "");

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.text("message"))
        .isEqualTo("pause is not allowed while the item is in state failover-in-progress");
    assertThat(H.jdbi().onDemand(JobDao.class).count()).isEqualTo(before);
  }

  @Test
  void disableAnswers202AndPassesThePolicysReplicaDeletion() throws Exception {
    String itemId = item("lc-off", ItemState.PROTECTED, null);

    Http.Reply reply = H.http().delete("/protected-items/" + itemId);

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    Job job = H.jdbi().onDemand(JobDao.class).find(reply.text("jobId")).orElseThrow();
    assertThat(job.type()).isEqualTo("disable-protection");
    // The test inventory's policy keeps replicas (the default).
    assertThat(operations(itemId)).containsExactly("disable:false");
    assertThat(H.http().delete("/protected-items/item-none").status()).isEqualTo(404);
  }

  @Test
  void R9_policyChangeReachesEveryRunningItemOfItsPairings() throws Exception {
    String first = item("lc-pol-1", ItemState.PROTECTED, null);
    String second = item("lc-pol-2", ItemState.PAUSED, null);

    Http.Reply reply =
        H.http()
            .put(
                "/policies/" + inv.policyId(),
                Http.json(
                    Map.of(
                        "name",
                        "lc-policy",
                        "copyFrequencySeconds",
                        45,
                        "recoveryPointRetentionHours",
                        24,
                        "resyncTimeZone",
                        "Europe/Lisbon")));

    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(reply.text("resyncTimeZone")).isEqualTo("Europe/Lisbon");
    for (String itemId : List.of(first, second)) {
      ProtectionHarnessWait.until(
          () -> operations(itemId).contains("policy:45"), "the policy to reach " + itemId);
    }
  }

  @Test
  void R9_theResyncWindowsTimeZoneMustBeKnown() {
    Http.Reply reply =
        H.http()
            .post(
                "/policies",
                Http.json(
                    Map.of(
                        "name",
                        "lc-bad-zone",
                        "copyFrequencySeconds",
                        30,
                        "recoveryPointRetentionHours",
                        24,
                        "resyncTimeZone",
                        "Mars/Olympus")));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.text("field")).isEqualTo("resyncTimeZone");
  }

  @Test
  void R14_theItemShowsItsLastErrorsClass() throws Exception {
    String itemId =
        item("lc-err", ItemState.PROTECTED, "NetworkError: ReplicateCycle failed (UNAVAILABLE)");

    Http.Reply reply = H.http().get("/protected-items/" + itemId);

    assertThat(reply.text("lastErrorType")).isEqualTo("NetworkError");
    assertThat(reply.text("lastError"))
        .isEqualTo("NetworkError: ReplicateCycle failed (UNAVAILABLE)");
    assertThat(reply.text("health")).isEqualTo("warning");
  }

  /** Waits in real time for a condition that another thread makes true. */
  static final class ProtectionHarnessWait {
    static void until(java.util.function.BooleanSupplier done, String what)
        throws InterruptedException {
      for (int i = 0; i < 200; i++) {
        if (done.getAsBoolean()) {
          return;
        }
        Thread.sleep(50);
      }
      throw new AssertionError("timed out waiting for " + what);
    }
  }
}
