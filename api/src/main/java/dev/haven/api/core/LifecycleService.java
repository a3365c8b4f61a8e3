package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.ItemJson;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.Pairing;
import dev.haven.store.PairingDao;
import dev.haven.store.Policy;
import dev.haven.store.PolicyDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.protection.LifecycleRequest;
import dev.haven.workflows.protection.PolicySettings;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.UpdateAccepted;
import java.util.function.BiFunction;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pause, resume and disable of a protected item, and policy changes reaching running items, all as
 * Updates of the item's workflow. Each operation is a job (R28) made before the Update is sent and
 * removed again when the workflow refuses it.
 */
public final class LifecycleService {
  public static final String PAUSE_JOB = "pause-replication";
  public static final String RESUME_JOB = "resume-replication";
  public static final String DISABLE_JOB = "disable-protection";
  public static final String RESYNC_JOB = "resync";

  private static final Logger LOG = LoggerFactory.getLogger(LifecycleService.class);

  private final Jdbi jdbi;
  private final WorkflowUpdates updates;

  public LifecycleService(Jdbi jdbi, WorkflowUpdates updates) {
    this.jdbi = jdbi;
    this.updates = updates;
  }

  public ItemJson.Accepted pause(String itemId) {
    return operate(itemId, PAUSE_JOB, ProtectedItemWorkflow::pause);
  }

  public ItemJson.Accepted resume(String itemId) {
    return operate(itemId, RESUME_JOB, ProtectedItemWorkflow::resume);
  }

  public ItemJson.Accepted disable(String itemId) {
    return operate(itemId, DISABLE_JOB, ProtectedItemWorkflow::disable);
  }

  /** Resynchronizes the item at once (R15), whatever its policy's resync window. */
  public ItemJson.Accepted resync(String itemId) {
    return operate(itemId, RESYNC_JOB, ProtectedItemWorkflow::resync);
  }

  /** Sends a changed policy to every running item whose pairing uses it; answers how many. */
  public int policyChanged(Policy policy) {
    PolicySettings settings = settings(policy);
    int sent = 0;
    for (Pairing pairing : jdbi.withExtension(PairingDao.class, PairingDao::list)) {
      if (!pairing.policyId().equals(policy.id())) {
        continue;
      }
      for (ProtectedItem item :
          jdbi.withExtension(ProtectedItemDao.class, ProtectedItemDao::listUnfinished)) {
        if (item.pairingId().equals(pairing.id())) {
          updates.fire(item.workflowId(), "updatePolicy", wf -> wf.updatePolicy(settings));
          sent++;
        }
      }
    }
    LOG.info("policy {} changed; sent to {} running item(s)", policy.id(), sent);
    return sent;
  }

  static PolicySettings settings(Policy p) {
    return new PolicySettings(
        p.id(),
        p.copyFrequencySeconds(),
        p.recoveryPointRetentionHours(),
        p.appConsistentFrequencyHours(),
        p.resyncWindow(),
        p.resyncTimeZone(),
        p.replicaDeletion());
  }

  private ItemJson.Accepted operate(
      String itemId,
      String jobType,
      BiFunction<ProtectedItemWorkflow, LifecycleRequest, UpdateAccepted> update) {
    ProtectedItem item =
        jdbi.withExtension(ProtectedItemDao.class, d -> d.find(itemId))
            .orElseThrow(() -> ApiException.notFound("protected item", itemId, null));
    // R21: an item committed in a cloud site is not finished there: its workflow waits for the
    // failback and its validator says which verbs it takes (disable, not pause or resume).
    if (ProtectedItemDao.isFinal(item.state()) && !FailbackChecks.inCloud(jdbi, item)) {
      throw ApiException.conflict(
          jobType + " is not allowed while the item is in state " + item.state());
    }
    LifecycleRequest request = new LifecycleRequest(Ids.next("job"), deletesReplica(item));
    Job job =
        new Job(
            request.jobId(),
            jobType,
            itemId,
            "queued",
            System.currentTimeMillis(),
            null,
            null,
            item.workflowId(),
            null);
    jdbi.useExtension(JobDao.class, d -> d.insert(job));
    try {
      updates.call(item.workflowId(), jobType, wf -> update.apply(wf, request));
    } catch (ApiException e) {
      jdbi.useExtension(JobDao.class, d -> d.delete(request.jobId()));
      if (e.status() == 503) {
        // A workflow that has ended (failover, disable) takes no Update: say so with the state
        // it ended in, instead of a "try again" that can never succeed.
        updates
            .endedState(item.workflowId())
            .ifPresent(
                state -> {
                  throw ApiException.conflict(
                      jobType
                          + " is not allowed while the item is in state "
                          + state
                          + " (its workflow has ended)");
                });
      }
      throw e;
    }
    LOG.info("{} of item {} accepted as job {}", jobType, itemId, request.jobId());
    return new ItemJson.Accepted(request.jobId(), null);
  }

  /** The policy of the item's pairing says whether disabling deletes the replica. */
  private boolean deletesReplica(ProtectedItem item) {
    return jdbi.withHandle(
        h ->
            h.attach(PairingDao.class)
                .find(item.pairingId())
                .flatMap(p -> h.attach(PolicyDao.class).find(p.policyId()))
                .map(p -> "delete".equals(p.replicaDeletion()))
                .orElse(false));
  }
}
