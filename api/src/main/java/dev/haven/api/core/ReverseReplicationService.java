package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.ItemJson;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.OldSourceFence;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionInput;
import dev.haven.workflows.protection.ReverseDirection;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's reverse replication (R25) after a committed unplanned failover: the item's
 * workflow ended with the commit, so a new run of {@code protect/<itemId>} starts with the reversed
 * input. The VM that runs at the old target becomes the source and the old source VM, once its site
 * is reachable again, the replica, seeded by a resync. A committed planned failover is reversed by
 * its own workflow (R23) and never waits here.
 */
public final class ReverseReplicationService {
  /** The job type of a reverse replication. */
  public static final String REVERSE_JOB = "reverse-replication";

  private static final Logger LOG = LoggerFactory.getLogger(ReverseReplicationService.class);

  private final Jdbi jdbi;
  private final WorkflowClient workflows;

  public ReverseReplicationService(Jdbi jdbi, WorkflowClient workflows) {
    this.jdbi = jdbi;
    this.workflows = workflows;
  }

  /** Starts reverse replication of {@code itemId}; answers its job. */
  public ItemJson.Accepted reverse(String itemId) {
    ProtectedItem item =
        jdbi.withExtension(ProtectedItemDao.class, d -> d.find(itemId))
            .orElseThrow(() -> ApiException.notFound("protected item", itemId, null));
    String allowed = ItemState.COMMITTED.apiName();
    if (!item.state().equals(allowed) || item.replicaVmId() == null) {
      throw ApiException.conflict(
          "reverse replication is not allowed while the item is in state "
              + item.state()
              + "; it is allowed in state "
              + allowed
              + " (after an unplanned failover; a committed planned failover is reversed by"
              + " itself)");
    }
    String jobId = Ids.next("job");
    String workflowId = ProtectedItemWorkflow.workflowId(itemId);
    Job job =
        new Job(
            jobId,
            REVERSE_JOB,
            itemId,
            "queued",
            System.currentTimeMillis(),
            null,
            null,
            workflowId,
            null);
    // After the commit the item runs its failed-over VM (the store's replica) at the old target.
    ProtectionInput reversed =
        jdbi.inTransaction(
            h -> {
              h.attach(JobDao.class).insert(job);
              ProtectionInput current = ProtectionInputs.of(h, item, jobId, false, null);
              return ReverseDirection.of(
                  current, item.replicaVmId(), item.vmId(), jobId, current.copyFrequencySeconds());
            });
    stopFence(itemId);
    ProtectedItemWorkflow workflow =
        workflows.newWorkflowStub(
            ProtectedItemWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.HAVEN)
                .setWorkflowId(workflowId)
                .build());
    try {
      WorkflowClient.start(workflow::run, reversed);
    } catch (WorkflowExecutionAlreadyStarted e) {
      jdbi.useExtension(JobDao.class, d -> d.delete(jobId));
      throw ApiException.conflict(
          "reverse replication of item '" + itemId + "' is already running");
    } catch (RuntimeException e) {
      jdbi.useExtension(JobDao.class, d -> d.delete(jobId));
      LOG.warn("could not start workflow {}", workflowId, e);
      throw ApiException.unavailable(
          "could not start the reverse replication: " + Failures.reason(e));
    }
    LOG.info("reverse replication of item {} started as job {}", itemId, jobId);
    return new ItemJson.Accepted(jobId, null);
  }

  /**
   * Cancels the item's old-source fence if it still waits for the old host: the reversed run powers
   * the old VM off itself and then replicates into it, which a late fence must not undo by stopping
   * the new role there.
   */
  private void stopFence(String itemId) {
    try {
      workflows.newUntypedWorkflowStub(OldSourceFence.workflowId(itemId)).cancel();
      LOG.info("item {}: the old source's fence gives way to reverse replication", itemId);
    } catch (WorkflowNotFoundException e) {
      // None running: it finished, or the failover was not an unplanned one.
    } catch (WorkflowException e) {
      // Already closed, or the server refused: the reversed run powers the old VM off anyway.
      LOG.info("item {}: no fence to cancel ({})", itemId, e.getMessage());
    }
  }
}
