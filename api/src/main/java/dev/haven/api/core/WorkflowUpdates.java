package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionResult;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an Update to an item's workflow and waits, within {@link #UPDATE_WAIT}, for it to be
 * accepted. The wait runs on a pool thread so that a silent Temporal or a stopped worker cannot
 * hold the request past the limit. A validator's rejection becomes a 409 with its words.
 */
public final class WorkflowUpdates {
  /** How long a request waits for the workflow to accept or reject the Update. */
  static final Duration UPDATE_WAIT = Duration.ofSeconds(15);

  private static final Logger LOG = LoggerFactory.getLogger(WorkflowUpdates.class);

  private final WorkflowClient workflows;
  private final ExecutorService calls;

  public WorkflowUpdates(WorkflowClient workflows, ExecutorService calls) {
    this.workflows = workflows;
    this.calls = calls;
  }

  /** Sends {@code update} and answers what its handler returned. */
  public <T> T call(String workflowId, String name, Function<ProtectedItemWorkflow, T> update) {
    ProtectedItemWorkflow workflow =
        workflows.newWorkflowStub(ProtectedItemWorkflow.class, workflowId);
    Future<T> call = calls.submit(() -> update.apply(workflow));
    try {
      return call.get(UPDATE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw ApiException.unavailable("interrupted while asking the item's workflow");
    } catch (TimeoutException e) {
      call.cancel(true);
      throw ApiException.unavailable(
          "the item's workflow did not answer within "
              + UPDATE_WAIT.toSeconds()
              + " s; is a worker running?");
    } catch (ExecutionException e) {
      throw refusal(workflowId, name, e.getCause());
    }
  }

  /** Sends {@code update} on a pool thread without waiting for it; a failure is logged only. */
  public void fire(String workflowId, String name, Function<ProtectedItemWorkflow, ?> update) {
    ProtectedItemWorkflow workflow =
        workflows.newWorkflowStub(ProtectedItemWorkflow.class, workflowId);
    calls.submit(
        () -> {
          try {
            update.apply(workflow);
          } catch (RuntimeException e) {
            LOG.warn("{} update of {} was not applied: {}", name, workflowId, e.getMessage());
          }
        });
  }

  /**
   * The item's state as its workflow ended, when that workflow is closed (after a failover or a
   * disable): its result's state, else how it closed. Empty while it runs, or when Temporal cannot
   * say (then the caller's own answer stands).
   */
  public Optional<String> endedState(String workflowId) {
    try {
      WorkflowStub stub = workflows.newUntypedWorkflowStub(workflowId);
      WorkflowExecutionStatus status = stub.describe().getStatus();
      if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
          || status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED) {
        return Optional.empty();
      }
      if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        ProtectionResult result = stub.getResult(5, TimeUnit.SECONDS, ProtectionResult.class);
        if (result != null && result.finalState() != null) {
          return Optional.of(result.finalState().apiName());
        }
      }
      return Optional.of(
          status.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT));
    } catch (RuntimeException | TimeoutException e) {
      LOG.debug("cannot describe workflow {}: {}", workflowId, e.toString());
      return Optional.empty();
    }
  }

  private static ApiException refusal(String workflowId, String name, Throwable e) {
    if (e instanceof WorkflowUpdateException rejected) {
      Throwable cause = rejected.getCause();
      String message =
          cause instanceof ApplicationFailure failure
              ? failure.getOriginalMessage()
              : cause != null ? cause.getMessage() : rejected.getMessage();
      return ApiException.conflict(message);
    }
    if (e instanceof WorkflowNotFoundException) {
      return ApiException.unavailable(
          "the item's workflow " + workflowId + " is not running; try again shortly");
    }
    LOG.warn("{} update of {} failed", name, workflowId, e);
    return ApiException.unavailable("could not reach the item's workflow: " + Failures.reason(e));
  }
}
