package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.ProtectionResult;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code POST /protected-items/{id}/resync} (R15) and the answers of the lifecycle verbs once an
 * item's workflow has ended: a 409 that names the state, never a 503 that invites a retry.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ResyncApiTest {
  static final ApiHarness H = new ApiHarness("resync");
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;
  static final FakeAgent PRIMARY = FakeAgent.start("rs-p1", "primary");
  static final FakeAgent SECONDARY = FakeAgent.start("rs-s1", "secondary");
  static TestInventory inv;

  @BeforeAll
  static void inventory() {
    inv = TestInventory.create(H.http(), PRIMARY, SECONDARY, "rs");
  }

  @AfterAll
  static void close() {
    PRIMARY.close();
    SECONDARY.close();
    H.close();
  }

  /** A protected item whose workflow's validators see {@code state}, as the store does. */
  private static String item(String name, ItemState state) throws Exception {
    return inv.protectedItem(H, name, state, "replica").id();
  }

  private static List<String> operations(String itemId) {
    return FakeProtectedItemWorkflow.OPERATIONS.getOrDefault(itemId, List.of());
  }

  @Test
  void R15_resyncByHandAnswers202WithAResyncJobLinkedToTheWorkflow() throws Exception {
    String itemId = item("rs-marked", ItemState.RESYNC_REQUIRED);

    Http.Reply reply = H.http().post("/protected-items/" + itemId + "/resync", "");

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    Job job = H.jdbi().onDemand(JobDao.class).find(reply.text("jobId")).orElseThrow();
    assertThat(job.type()).isEqualTo("resync");
    assertThat(job.itemId()).isEqualTo(itemId);
    assertThat(job.workflowId()).isEqualTo("protect/" + itemId);
    assertThat(operations(itemId)).containsExactly("resync:" + reply.text("jobId"));
    assertThat(H.http().get("/jobs?itemId=" + itemId + "&type=resync").body())
        .contains(reply.text("jobId"));
  }

  @Test
  void R15_resyncThatTheStateForbidsIs409NamingTheStateAndAddsNoJob() throws Exception {
    String itemId = item("rs-paused", ItemState.PAUSED);
    long before = H.jdbi().onDemand(JobDao.class).count();

    Http.Reply reply = H.http().post("/protected-items/" + itemId + "/resync", "");

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.text("message"))
        .isEqualTo("resync is not allowed while the item is in state paused");
    assertThat(H.jdbi().onDemand(JobDao.class).count()).isEqualTo(before);
    assertThat(H.http().post("/protected-items/item-none/resync", "").status()).isEqualTo(404);
  }

  @Test
  void R28_verbsOnAnItemWhoseWorkflowEndedAre409NamingItsState() throws Exception {
    String itemId = item("rs-ended", ItemState.PROTECTED);
    assertThat(H.http().delete("/protected-items/" + itemId).status()).isEqualTo(202);
    H.temporal
        .getWorkflowClient()
        .newUntypedWorkflowStub("protect/" + itemId)
        .getResult(30, java.util.concurrent.TimeUnit.SECONDS, ProtectionResult.class);
    // The store's row still says protected (the fake workflow projects nothing): the answer must
    // come from the ended workflow, not from a stale row.
    long before = H.jdbi().onDemand(JobDao.class).count();

    for (String verb : List.of("pause", "resume", "resync")) {
      Http.Reply reply = H.http().post("/protected-items/" + itemId + "/" + verb, "");
      assertThat(reply.status()).as(verb + ": " + reply.body()).isEqualTo(409);
      assertThat(reply.text("message"))
          .contains("is not allowed while the item is in state disabled")
          .contains("its workflow has ended");
    }
    Http.Reply delete = H.http().delete("/protected-items/" + itemId);
    assertThat(delete.status()).as(delete.body()).isEqualTo(409);
    assertThat(delete.text("message"))
        .isEqualTo(
            "disable-protection is not allowed while the item is in state disabled (its workflow"
                + " has ended)");
    assertThat(H.http().get("/protected-items/" + itemId).text("state")).isEqualTo("protected");
    assertThat(H.jdbi().onDemand(JobDao.class).count()).isEqualTo(before);
  }
}
