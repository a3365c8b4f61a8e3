package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.ItemJson;
import dev.haven.store.Host;
import dev.haven.store.HostDao;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.Pairing;
import dev.haven.store.PairingDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionInput;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enables protection of a VM (R10): checks the prerequisites, records the item and its
 * enable-protection job, and starts the item's entity workflow. It answers as soon as Temporal has
 * the workflow; the protection itself runs there. A request that fails leaves no rows behind.
 */
public final class ProtectionService {
  /** The job type of enabling protection. */
  public static final String ENABLE_JOB = "enable-protection";

  private static final Logger LOG = LoggerFactory.getLogger(ProtectionService.class);

  private final Jdbi jdbi;
  private final WorkflowClient workflows;
  private final VmDirectory vms;

  public ProtectionService(Jdbi jdbi, WorkflowClient workflows, VmDirectory vms) {
    this.jdbi = jdbi;
    this.workflows = workflows;
    this.vms = vms;
  }

  /** Enables protection of {@code vmId} under {@code pairingId}; answers the job and the item. */
  public ItemJson.Accepted enable(String vmId, String pairingId) {
    Pairing pairing =
        jdbi.withExtension(PairingDao.class, d -> d.find(pairingId))
            .orElseThrow(() -> ApiException.notFound("site pairing", pairingId, "pairingId"));
    Host source = vms.locate(vmId, "vmId");
    if (!source.siteId().equals(pairing.sourceSiteId())) {
      throw ApiException.badRequest(
          "pairingId",
          "vm '"
              + vmId
              + "' is on host '"
              + source.name()
              + "' of site '"
              + source.siteId()
              + "', but pairing '"
              + pairingId
              + "' replicates site '"
              + pairing.sourceSiteId()
              + "'");
    }
    List<Host> targets =
        jdbi.withExtension(HostDao.class, d -> d.listBySite(pairing.targetSiteId()));
    if (targets.isEmpty()) {
      throw ApiException.conflict(
          "target site '" + pairing.targetSiteId() + "' has no host to hold the replica");
    }
    rejectIfProtected(vmId);

    String itemId = Ids.next("item");
    String jobId = Ids.next("job");
    String workflowId = ProtectedItemWorkflow.workflowId(itemId);
    long now = System.currentTimeMillis();
    ProtectedItem item =
        new ProtectedItem(
            itemId,
            vmId,
            pairing.id(),
            source.id(),
            targets.get(0).id(),
            null,
            ItemState.ENABLING.apiName(),
            Health.NORMAL.apiName(),
            null,
            null,
            null,
            null,
            source.siteId(),
            workflowId,
            now,
            now);
    Job job = new Job(jobId, ENABLE_JOB, itemId, "queued", now, null, null, workflowId, null);
    ProtectionInput input = insert(item, job);
    start(input, workflowId, itemId, jobId);
    LOG.info("enabling protection of vm {} as item {} (job {})", vmId, itemId, jobId);
    return new ItemJson.Accepted(jobId, itemId);
  }

  private void rejectIfProtected(String vmId) {
    jdbi.withExtension(ProtectedItemDao.class, d -> d.findActiveByVm(vmId))
        .ifPresent(
            existing -> {
              throw ApiException.conflict(
                  "vm '"
                      + vmId
                      + "' is already protected by item '"
                      + existing.id()
                      + "' (state "
                      + existing.state()
                      + "); protect it again once that item is disabled");
            });
  }

  /** Stores the item and its job together, and builds the workflow input from what it stored. */
  private ProtectionInput insert(ProtectedItem item, Job job) {
    try {
      return jdbi.inTransaction(
          h -> {
            h.attach(ProtectedItemDao.class).insert(item);
            h.attach(JobDao.class).insert(job);
            return ProtectionInputs.of(h, item, job.id(), false, null);
          });
    } catch (UnableToExecuteStatementException e) {
      // The unique active VM column lost a race with a concurrent request for the same VM.
      rejectIfProtected(item.vmId());
      throw e;
    }
  }

  private void start(ProtectionInput input, String workflowId, String itemId, String jobId) {
    ProtectedItemWorkflow workflow =
        workflows.newWorkflowStub(
            ProtectedItemWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.HAVEN)
                .setWorkflowId(workflowId)
                .build());
    try {
      WorkflowClient.start(workflow::run, input);
    } catch (RuntimeException e) {
      // Nothing may stay behind from a refused request: the item and its job go again.
      jdbi.useTransaction(
          h -> {
            h.attach(JobDao.class).delete(jobId);
            h.attach(ProtectedItemDao.class).delete(itemId);
          });
      LOG.warn("could not start workflow {}", workflowId, e);
      throw ApiException.unavailable(
          "could not start the protection workflow: " + Failures.reason(e));
    }
  }
}
