package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.DrillJson;
import dev.haven.api.json.ItemJson;
import dev.haven.store.DrillDao;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.TestCleanupRequest;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clean-up of a test failover (R27), a job the item's workflow runs after accepting its Update,
 * and the drill reports that the workflow writes into the store (point, start, duration, the
 * operator's verdict).
 */
public final class TestFailoverService {
  public static final String CLEANUP_JOB = "test-failover-cleanup";

  private static final Logger LOG = LoggerFactory.getLogger(TestFailoverService.class);

  private final Jdbi jdbi;
  private final WorkflowUpdates updates;

  TestFailoverService(Jdbi jdbi, WorkflowUpdates updates) {
    this.jdbi = jdbi;
    this.updates = updates;
  }

  public ItemJson.Accepted cleanUp(String itemId, ItemJson.TestCleanup body) {
    ProtectedItem item = requireItem(itemId);
    String allowed = ItemState.TEST_FAILOVER.apiName();
    if (!item.state().equals(allowed)) {
      throw ApiException.conflict(
          "test-failover-cleanup is not allowed while the item is in state "
              + item.state()
              + "; it is allowed in state "
              + allowed);
    }
    String jobId = Ids.next("job");
    String workflowId = ProtectedItemWorkflow.workflowId(itemId);
    jdbi.useExtension(
        JobDao.class,
        d ->
            d.insert(
                new Job(
                    jobId,
                    CLEANUP_JOB,
                    itemId,
                    "queued",
                    System.currentTimeMillis(),
                    null,
                    null,
                    workflowId,
                    null)));
    TestCleanupRequest request =
        new TestCleanupRequest(
            jobId, body == null ? null : body.verdict(), body == null ? null : body.notes());
    try {
      updates.call(workflowId, "testFailoverCleanup", wf -> wf.testFailoverCleanup(request));
    } catch (ApiException e) {
      jdbi.useExtension(JobDao.class, d -> d.delete(jobId));
      throw e;
    }
    LOG.info("test failover clean-up of item {} accepted as job {}", itemId, jobId);
    return new ItemJson.Accepted(jobId, null);
  }

  /**
   * The item's drills, oldest first, from the store: the item's workflow writes each one when its
   * test VM runs and again when it is cleaned up, so they outlive the workflow and the API.
   */
  public List<DrillJson> drills(String itemId) {
    requireItem(itemId);
    return jdbi.withExtension(DrillDao.class, d -> d.forItem(itemId)).stream()
        .map(DrillJson::of)
        .toList();
  }

  private ProtectedItem requireItem(String itemId) {
    return jdbi.withExtension(ProtectedItemDao.class, d -> d.find(itemId))
        .orElseThrow(() -> ApiException.notFound("protected item", itemId, null));
  }
}
