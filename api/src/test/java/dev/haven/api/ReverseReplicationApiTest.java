package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.store.JobDao;
import dev.haven.store.ProtectedItem;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.OldSourceFence;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionInput;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.CanceledFailure;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * R25 through the API: {@code POST /protected-items/{id}/reverse-replicate} after a committed
 * unplanned failover starts the item's workflow again with the reversed input (202 with the job);
 * in any other state it is 409 naming the state, and nothing is stored.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ReverseReplicationApiTest {
  static final ApiHarness H = new ApiHarness("reverse");
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;
  static final FakeAgent PRIMARY = FakeAgent.start("rv-p1", "primary");
  static final FakeAgent SECONDARY = FakeAgent.start("rv-s1", "secondary");
  static TestInventory inv;

  @BeforeAll
  static void inventory() {
    inv = TestInventory.create(H.http(), PRIMARY, SECONDARY, "rv");
  }

  @AfterAll
  static void close() {
    PRIMARY.close();
    SECONDARY.close();
    H.close();
  }

  /** A protected item whose store state is {@code state}, with replica VM "failed-over-vm". */
  private static ProtectedItem item(String name, ItemState state) throws Exception {
    return inv.protectedItem(H, name, state, "failed-over-vm");
  }

  private static long jobs() {
    return H.jdbi().onDemand(JobDao.class).count();
  }

  @Test
  void R25_reverseReplicateAfterACommittedUnplannedFailoverStartsTheReversedRun() throws Exception {
    ProtectedItem item = item("r25-ok", ItemState.COMMITTED);
    // The commit ended the item's workflow.
    H.temporal
        .getWorkflowClient()
        .newUntypedWorkflowStub(ProtectedItemWorkflow.workflowId(item.id()))
        .terminate("committed");

    Http.Reply reply = H.http().post("/protected-items/" + item.id() + "/reverse-replicate", "{}");

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    String jobId = reply.text("jobId");
    assertThat(H.jdbi().onDemand(JobDao.class).find(jobId).orElseThrow().type())
        .isEqualTo("reverse-replication");
    ProtectionInput input = awaitReversed(item.id());
    assertThat(input.jobId()).isEqualTo(jobId);
    assertThat(input.vmId()).isEqualTo("failed-over-vm");
    assertThat(input.carryOver().replicaVmId()).isEqualTo(item.vmId());
    assertThat(input.source().hostId()).isEqualTo(item.targetHostId());
    assertThat(input.target().hostId()).isEqualTo(item.sourceHostId());
    assertThat(input.source().siteId()).isNotEqualTo(item.activeSiteId());
  }

  @Test
  void R25_reverseReplicateCancelsTheOldSourceFenceStillWaitingForItsHost() throws Exception {
    ProtectedItem item = item("r25-fence", ItemState.COMMITTED);
    WorkflowClient client = H.temporal.getWorkflowClient();
    client
        .newUntypedWorkflowStub(ProtectedItemWorkflow.workflowId(item.id()))
        .terminate("committed");
    // The commit's fence still waits for the old source's host.
    OldSourceFence fence =
        client.newWorkflowStub(
            OldSourceFence.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.HAVEN)
                .setWorkflowId(OldSourceFence.workflowId(item.id()))
                .build());
    WorkflowClient.start(fence::fence, new OldSourceFence.Input(item.id(), "a:1", item.vmId()));

    Http.Reply reply = H.http().post("/protected-items/" + item.id() + "/reverse-replicate", "{}");

    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    // The reversed run powers the old VM off and replicates into it; a late fence must not stop
    // the new role there, so it was cancelled.
    assertThatThrownBy(
            () ->
                client
                    .newUntypedWorkflowStub(OldSourceFence.workflowId(item.id()))
                    .getResult(30, TimeUnit.SECONDS, OldSourceFence.Result.class))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    awaitReversed(item.id());
  }

  @Test
  void R25_reverseReplicateOfAProtectedItemIs409NamingTheStateAndStoresNothing() throws Exception {
    ProtectedItem item = item("r25-early", ItemState.PROTECTED);
    long before = jobs();

    Http.Reply reply = H.http().post("/protected-items/" + item.id() + "/reverse-replicate", "{}");

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.text("message"))
        .startsWith(
            "reverse replication is not allowed while the item is in state protected;"
                + " it is allowed in state committed");
    assertThat(jobs()).isEqualTo(before);
    assertThat(FakeProtectedItemWorkflow.STARTED.get(item.id()).reverse()).isFalse();
  }

  @Test
  void R25_reverseReplicateOfAnUnknownItemIs404() throws Exception {
    Http.Reply reply = H.http().post("/protected-items/no-such-item/reverse-replicate", "{}");
    assertThat(reply.status()).isEqualTo(404);
  }

  private static ProtectionInput awaitReversed(String itemId) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      ProtectionInput input = FakeProtectedItemWorkflow.STARTED.get(itemId);
      if (input != null && input.reverse()) {
        return input;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the reversed run never started");
  }
}
