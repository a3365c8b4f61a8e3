package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.Pairing;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.Site;
import dev.haven.store.StoreSeeder;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionCarryOver;
import dev.haven.workflows.protection.ProtectionInput;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A restart with an empty Temporal (ARCHITECTURE "Restarts"): the API gives every unfinished item
 * its workflow back, resuming from the store, and leaves running and finished ones alone.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ItemReconcilerTest {
  static String protectedItem;
  static String copyingItem;
  static String runningItem;
  static String committedItem;
  static String enableJob;
  static String failoverJob;
  static final ApiHarness H = new ApiHarness("reconcile", ItemReconcilerTest::seed);
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;

  @AfterAll
  static void close() {
    H.close();
  }

  static void seed(Jdbi jdbi, TestWorkflowEnvironment temporal) {
    StoreSeeder seeder = new StoreSeeder(jdbi);
    Site p = seeder.ensureSite("primary", "onprem");
    Site s = seeder.ensureSite("secondary", "onprem");
    String source = seeder.ensureHost(p.id(), "p1", "127.0.0.1:7001").id();
    String target = seeder.ensureHost(s.id(), "s1", "127.0.0.1:7002").id();
    Pairing pairing = seeder.ensureDefaultPairing(p.id(), s.id());
    protectedItem = item(jdbi, pairing, source, target, "protected", "vm-r1", 7L, 5_000L);
    copyingItem = item(jdbi, pairing, source, target, "initial-replication", null, null, null);
    runningItem = item(jdbi, pairing, source, target, "protected", "vm-r3", 2L, 1_000L);
    committedItem = item(jdbi, pairing, source, target, "committed", "vm-r4", 9L, 9_000L);
    // Jobs that were open when the stack stopped.
    enableJob = job(jdbi, copyingItem, "enable-protection", "running");
    failoverJob = job(jdbi, protectedItem, "planned-failover", "running");

    // One workflow survived the restart: the reconciler must leave it as it is.
    ProtectedItemWorkflow running =
        temporal
            .getWorkflowClient()
            .newWorkflowStub(
                ProtectedItemWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.HAVEN)
                    .setWorkflowId(ProtectedItemWorkflow.workflowId(runningItem))
                    .build());
    WorkflowClient.start(
        running::run,
        new ProtectionInput(runningItem, "vm-3", "job-x", null, null, 30, Map.of(), false, null));
  }

  private static String job(Jdbi jdbi, String itemId, String type, String state) {
    String id = Ids.next("job");
    jdbi.onDemand(JobDao.class)
        .insert(new Job(id, type, itemId, state, 1L, 1L, null, "protect/" + itemId, null));
    return id;
  }

  private static String item(
      Jdbi jdbi,
      Pairing pairing,
      String source,
      String target,
      String state,
      String replica,
      Long seq,
      Long lastPoint) {
    String id = Ids.next("item");
    jdbi.onDemand(ProtectedItemDao.class)
        .insert(
            new ProtectedItem(
                id,
                "vm-" + id,
                pairing.id(),
                source,
                target,
                replica,
                state,
                "normal",
                seq,
                lastPoint,
                null,
                null,
                pairing.sourceSiteId(),
                "protect/" + id,
                1L,
                1L));
    return id;
  }

  private static JobDao storedJobs() {
    return H.jdbi().onDemand(JobDao.class);
  }

  @Test
  void unfinishedItemsGetTheirWorkflowBackResumingFromTheStore() throws Exception {
    ProtectionInput resumed = ProtectionApiTest.awaitStarted(protectedItem);
    assertThat(resumed.resume()).isTrue();
    // Its failover job was interrupted by the restart: closed as failed, saying so.
    assertThat(resumed.jobId()).isNull();
    Job failover = storedJobs().find(failoverJob).orElseThrow();
    assertThat(failover.state()).isEqualTo("failed");
    assertThat(failover.error()).contains("interrupted");
    assertThat(resumed.carryOver())
        .isEqualTo(new ProtectionCarryOver(ItemState.PROTECTED, "vm-r1", 7L, 5_000L));
    assertThat(resumed.source().agentAddress()).isEqualTo("127.0.0.1:7001");
    assertThat(resumed.target().agentAddress()).isEqualTo("127.0.0.1:7002");
    assertThat(resumed.copyFrequencySeconds()).isEqualTo(30);

    ProtectionInput copying = ProtectionApiTest.awaitStarted(copyingItem);
    // Its enable job goes on under the resumed workflow, which finishes the copy.
    assertThat(copying.jobId()).isEqualTo(enableJob);
    assertThat(storedJobs().find(enableJob).orElseThrow().state()).isEqualTo("running");
    assertThat(copying.carryOver())
        .isEqualTo(new ProtectionCarryOver(ItemState.INITIAL_REPLICATION, null, 0L, null));
  }

  @Test
  void runningWorkflowsAndFinishedItemsAreLeftAlone() throws Exception {
    ProtectionApiTest.awaitStarted(protectedItem);
    ProtectionApiTest.awaitStarted(copyingItem);

    assertThat(FakeProtectedItemWorkflow.STARTED.get(runningItem).resume()).isFalse();
    assertThat(FakeProtectedItemWorkflow.STARTED).doesNotContainKey(committedItem);
  }
}
