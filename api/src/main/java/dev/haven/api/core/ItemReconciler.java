package dev.haven.api.core;

import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionCarryOver;
import dev.haven.workflows.protection.ProtectionInput;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.util.HashSet;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every unfinished protected item its workflow back after a restart (ARCHITECTURE
 * "Restarts"): the embedded Temporal server keeps its state in memory, so at start-up the API
 * starts {@code ProtectedItemWorkflow} with {@code resume=true} and the state the store holds for
 * every item that is not in a final state. A workflow that already runs is left alone. The pass
 * runs in the background and retries with back-off until every item has its workflow, so that the
 * API starts at once even when Temporal is not up yet.
 */
public final class ItemReconciler extends StartupPasses {
  private static final Logger LOG = LoggerFactory.getLogger(ItemReconciler.class);

  private final Jdbi jdbi;
  private final WorkflowClient workflows;
  private final Set<String> settled = new HashSet<>();

  public ItemReconciler(Jdbi jdbi, WorkflowClient workflows) {
    super("item-reconciler", Integer.MAX_VALUE);
    this.jdbi = jdbi;
    this.workflows = workflows;
  }

  /** One pass over the unfinished items; true when every one has its workflow. */
  @Override
  boolean pass() {
    int failed = 0;
    for (ProtectedItem item : jdbi.withExtension(ProtectedItemDao.class, d -> d.listUnfinished())) {
      // Items created after the start are this API's own: enabling protection starts their
      // workflow, and resuming them here could race with that start.
      boolean mine = item.createdAt() >= startedAtMillis();
      if (!mine && !settled.contains(item.id()) && !resume(item)) {
        failed++;
      }
    }
    if (failed > 0) {
      LOG.info("{} protected item(s) not resumed yet", failed);
    }
    return failed == 0;
  }

  /** Starts the item's workflow; true when it runs now (started here or already running). */
  private boolean resume(ProtectedItem item) {
    String workflowId = ProtectedItemWorkflow.workflowId(item.id());
    try {
      ProtectionInput input =
          jdbi.inTransaction(
              h -> {
                String jobId = InterruptedJobs.settle(h, item, System.currentTimeMillis());
                return ProtectionInputs.of(h, item, jobId, true, carryOver(item));
              });
      ProtectedItemWorkflow workflow =
          workflows.newWorkflowStub(
              ProtectedItemWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(TaskQueues.HAVEN)
                  .setWorkflowId(workflowId)
                  .build());
      WorkflowClient.start(workflow::run, input);
      LOG.info(
          "resumed protected item {} (vm {}, state {}) as workflow {}",
          item.id(),
          item.vmId(),
          item.state(),
          workflowId);
      settled.add(item.id());
      return true;
    } catch (WorkflowExecutionAlreadyStarted e) {
      settled.add(item.id());
      return true;
    } catch (IllegalArgumentException | IllegalStateException e) {
      // A row that cannot become a workflow input will not improve by retrying.
      LOG.error("cannot resume protected item {}: {}", item.id(), e.getMessage());
      settled.add(item.id());
      return true;
    } catch (RuntimeException e) {
      LOG.debug("resuming protected item {} failed", item.id(), e);
      return false;
    }
  }

  static ProtectionCarryOver carryOver(ProtectedItem item) {
    return new ProtectionCarryOver(
        ItemState.fromApiName(item.state()),
        item.replicaVmId(),
        item.lastAppliedSeq() == null ? 0 : item.lastAppliedSeq(),
        item.lastRecoveryPointAt());
  }
}
