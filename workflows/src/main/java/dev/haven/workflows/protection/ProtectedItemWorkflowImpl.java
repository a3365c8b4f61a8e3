package dev.haven.workflows.protection;

import dev.haven.workflows.model.ItemState;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The entity workflow of one protected VM. It enables protection (R10–R12) or resumes it (D1), then
 * runs a delta cycle at the copy frequency (R13) until a planned failover (R17) moves the VM to the
 * target. It continues as new when the server suggests it or after a bounded number of cycles,
 * carrying its state to the next run.
 */
public class ProtectedItemWorkflowImpl implements ProtectedItemWorkflow {
  /** Cycles per run before continue-as-new: about 10,000 events, a fifth of the history limit. */
  static final int MAX_CYCLES_PER_RUN = 500;

  private static final Logger log = Workflow.getLogger(ProtectedItemWorkflowImpl.class);

  private final ProtectionState state;
  private final ReplicationSteps replication;
  private final PlannedFailoverSaga plannedFailover;
  private final int maxCyclesPerRun;

  /** Builds the whole state before any handler runs, so that early Queries and Updates see it. */
  @WorkflowInit
  public ProtectedItemWorkflowImpl(ProtectionInput input) {
    this(input, MAX_CYCLES_PER_RUN);
  }

  /** Tests pass a small bound to reach continue-as-new in a few cycles. */
  ProtectedItemWorkflowImpl(ProtectionInput input, int maxCyclesPerRun) {
    this.state = new ProtectionState(input);
    ProtectionActivities activities = new ProtectionActivities();
    JobRecorder recorder = new JobRecorder(activities.store);
    this.replication = new ReplicationSteps(state, activities, recorder);
    this.plannedFailover = new PlannedFailoverSaga(state, activities, recorder, replication);
    this.maxCyclesPerRun = maxCyclesPerRun;
  }

  @Override
  public ProtectionResult run(ProtectionInput input) {
    boolean replicating =
        input.resume() ? replication.resume(input.jobId()) : replication.enable(input.jobId());
    if (!replicating) {
      return new ProtectionResult(state.itemId(), state.state);
    }
    Duration copyFrequency = Duration.ofSeconds(Math.max(1, input.copyFrequencySeconds()));
    int cycles = 0;
    while (true) {
      boolean failoverAsked = Workflow.await(copyFrequency, () -> state.pendingFailover != null);
      if (failoverAsked) {
        FailoverRequest request = state.pendingFailover;
        boolean failedOver = plannedFailover.run(request);
        state.pendingFailover = null;
        if (failedOver) {
          return new ProtectionResult(state.itemId(), ItemState.FAILED_OVER);
        }
        continue;
      }
      replication.deltaCycle();
      cycles++;
      if (cycles >= maxCyclesPerRun || Workflow.getInfo().isContinueAsNewSuggested()) {
        // Let accepted Updates finish first; one that asked for a failover is run, not dropped.
        Workflow.await(Workflow::isEveryHandlerFinished);
        if (state.pendingFailover == null) {
          log.info("item {} continues as new after {} cycles", state.itemId(), cycles);
          Workflow.continueAsNew(state.nextRunInput());
        }
      }
    }
  }

  @Override
  public UpdateAccepted failover(FailoverRequest request) {
    // The main loop runs the failover; the caller gets the job id at once (202 Accepted).
    state.pendingFailover = request;
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validateFailover(FailoverRequest request) {
    FailoverRules.check(state, request);
  }

  @Override
  public ItemStatus status() {
    return state.toStatus();
  }
}
