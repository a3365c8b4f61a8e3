package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.ItemJson;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.AfterFailoverRequest;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.UpdateAccepted;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's decisions on a failed-over item (R20, R24): commit, cancel and change of recovery
 * point, each a job that the item's workflow runs after accepting its Update. A decision the item's
 * state does not allow is a 409 naming the state, and stores nothing.
 */
public final class AfterFailoverService {
  public static final String COMMIT_JOB = "commit";
  public static final String CANCEL_JOB = "cancel-failover";
  public static final String CHANGE_POINT_JOB = "change-recovery-point";

  private static final Logger LOG = LoggerFactory.getLogger(AfterFailoverService.class);

  private final Jdbi jdbi;
  private final WorkflowUpdates updates;

  AfterFailoverService(Jdbi jdbi, WorkflowUpdates updates) {
    this.jdbi = jdbi;
    this.updates = updates;
  }

  public ItemJson.Accepted commit(String itemId) {
    return decide(itemId, "commit", COMMIT_JOB, null, (wf, r) -> wf.commit(r));
  }

  public ItemJson.Accepted cancel(String itemId) {
    return decide(itemId, "cancel", CANCEL_JOB, null, (wf, r) -> wf.cancel(r));
  }

  public ItemJson.Accepted changeRecoveryPoint(String itemId, ItemJson.ChangePoint body) {
    requireItem(itemId);
    String point = FailoverService.recoveryPoint(jdbi, itemId, body.recoveryPoint());
    return decide(
        itemId,
        "change-recovery-point",
        CHANGE_POINT_JOB,
        point,
        (wf, r) -> wf.changeRecoveryPoint(r));
  }

  /** One call of an Update on the item's workflow with the request it is given. */
  private interface Decision {
    UpdateAccepted send(ProtectedItemWorkflow workflow, AfterFailoverRequest request);
  }

  private ItemJson.Accepted decide(
      String itemId, String kind, String jobType, String recoveryPoint, Decision decision) {
    ProtectedItem item = requireItem(itemId);
    String allowed = ItemState.FAILED_OVER.apiName();
    if (!item.state().equals(allowed)) {
      throw ApiException.conflict(
          kind
              + " is not allowed while the item is in state "
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
                    jobType,
                    itemId,
                    "queued",
                    System.currentTimeMillis(),
                    null,
                    null,
                    workflowId,
                    null)));
    AfterFailoverRequest request = new AfterFailoverRequest(jobId, recoveryPoint);
    Function<ProtectedItemWorkflow, UpdateAccepted> call = wf -> decision.send(wf, request);
    try {
      updates.call(workflowId, kind, call);
    } catch (ApiException e) {
      jdbi.useExtension(JobDao.class, d -> d.delete(jobId));
      throw e;
    }
    LOG.info("{} of item {} accepted as job {}", kind, itemId, jobId);
    return new ItemJson.Accepted(jobId, null);
  }

  private ProtectedItem requireItem(String itemId) {
    return jdbi.withExtension(ProtectedItemDao.class, d -> d.find(itemId))
        .orElseThrow(() -> ApiException.notFound("protected item", itemId, null));
  }
}
