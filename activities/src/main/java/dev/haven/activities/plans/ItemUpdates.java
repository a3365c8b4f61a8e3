package dev.haven.activities.plans;

import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.workflows.plans.PlanActivities.FailoverStarted;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;

/**
 * Starts a job in an item's workflow through one of its Updates (failover, test clean-up), with the
 * job row created first so that a retried activity can tell whether the Update went through.
 */
final class ItemUpdates {
  private final Jdbi jdbi;
  private final WorkflowClient workflows;

  ItemUpdates(Jdbi jdbi, WorkflowClient workflows) {
    this.jdbi = jdbi;
    this.workflows = workflows;
  }

  /**
   * Creates job {@code jobId} of type {@code jobType} if it is missing and sends the item's
   * workflow the Update {@code call}. A retry after the Update went through finds the job moving
   * and answers as the first call did; a refused Update deletes the job again.
   */
  FailoverStarted start(
      String itemId,
      String jobId,
      String jobType,
      String what,
      Function<ProtectedItemWorkflow, ?> call) {
    String workflowId = ProtectedItemWorkflow.workflowId(itemId);
    long now = System.currentTimeMillis();
    Optional<Job> existing = jdbi.withExtension(JobDao.class, d -> d.find(jobId));
    if (existing.isPresent() && !existing.get().state().equals("queued")) {
      // A retry after the Update went through: the item's workflow already runs the job.
      Job job = existing.get();
      return new FailoverStarted(job.id(), job.createdAt());
    }
    if (existing.isEmpty()) {
      Job job = new Job(jobId, jobType, itemId, "queued", now, null, null, workflowId, null);
      jdbi.useExtension(JobDao.class, d -> d.insert(job));
    }
    long createdAt = existing.map(Job::createdAt).orElse(now);
    ProtectedItemWorkflow item = workflows.newWorkflowStub(ProtectedItemWorkflow.class, workflowId);
    CompletableFuture<?> update = CompletableFuture.supplyAsync(() -> call.apply(item));
    try {
      update.get(PlanActivitiesImpl.UPDATE_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApplicationFailure.newFailure("interrupted while asking " + workflowId, "Interrupted");
    } catch (TimeoutException e) {
      update.cancel(true);
      throw ApplicationFailure.newFailure(
          "the item's workflow "
              + workflowId
              + " did not accept the "
              + what
              + " within "
              + PlanActivitiesImpl.UPDATE_WAIT_SECONDS
              + " s",
          "WorkflowUnavailable");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (jobMoved(jobId)) {
        return new FailoverStarted(jobId, createdAt);
      }
      if (cause instanceof WorkflowUpdateException refused) {
        jdbi.useExtension(JobDao.class, d -> d.delete(jobId));
        Throwable why = refused.getCause();
        String message =
            why instanceof ApplicationFailure a ? a.getOriginalMessage() : String.valueOf(why);
        throw ApplicationFailure.newNonRetryableFailure(
            "item " + itemId + " refused the " + what + ": " + message, "FailoverRefused");
      }
      throw ApplicationFailure.newFailure(
          "could not ask " + workflowId + " for the " + what + ": " + cause, "WorkflowUnavailable");
    }
    return new FailoverStarted(jobId, createdAt);
  }

  private boolean jobMoved(String jobId) {
    return jdbi.withExtension(JobDao.class, d -> d.find(jobId))
        .map(j -> !j.state().equals("queued"))
        .orElse(false);
  }
}
