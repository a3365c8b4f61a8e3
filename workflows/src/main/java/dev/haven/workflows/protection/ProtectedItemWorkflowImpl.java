package dev.haven.workflows.protection;

import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The entity workflow of one protected VM. It enables protection (R10–R12) or resumes it (D1), then
 * runs a delta cycle at the copy frequency (R13), retried on R16's back-off, until a planned or
 * unplanned failover (R17) moves the VM to the target or an operator disables protection. After a
 * failover it waits for the operator's commit, cancel or change of recovery point (R20, R24).
 * Pause, resume, disable and policy changes arrive as Updates with validators. It continues as new
 * when the server suggests it or after a bounded number of cycles, carrying its state to the next
 * run.
 */
public class ProtectedItemWorkflowImpl implements ProtectedItemWorkflow {
  /** Cycles per run before continue-as-new: about 10,000 events, a fifth of the history limit. */
  static final int MAX_CYCLES_PER_RUN = 500;

  /** The getVersion change id under which delta cycles keep a fixed rate. */
  static final String FIXED_RATE_CYCLES = "fixed-rate-cycles";

  private static final Logger log = Workflow.getLogger(ProtectedItemWorkflowImpl.class);

  private final ProtectionState state;
  private final ReplicationSteps replication;
  private final TestFailoverSteps testFailover;
  private final ResyncSteps resync;
  private final QueuedOperations operations;
  private final RecoveryPolicySync recoveryPolicy;
  private final ReverseSteps reverse;
  private final CloudFailback cloudFailback;
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
    UnplannedFailoverSaga unplannedFailover =
        new UnplannedFailoverSaga(state, activities, recorder);
    this.testFailover = new TestFailoverSteps(state, activities, recorder);
    this.resync = new ResyncSteps(state, activities, recorder, replication);
    this.cloudFailback = new CloudFailback(state, activities, recorder);
    this.operations =
        new QueuedOperations(
            state,
            new PlannedFailoverSaga(state, activities, recorder, replication),
            unplannedFailover,
            new CommitSteps(state, activities, recorder, replication, unplannedFailover),
            testFailover,
            new LifecycleSteps(state, activities, recorder, replication),
            resync,
            cloudFailback);
    this.recoveryPolicy = new RecoveryPolicySync(state, activities, resync);
    this.reverse = new ReverseSteps(state, activities, recorder, replication);
    this.maxCyclesPerRun = maxCyclesPerRun;
  }

  @Override
  public ProtectionResult run(ProtectionInput input) {
    if (input.resume() && cloudFailback.resumesInCloud()) {
      // R21: the workload runs in the cloud; this run waits there for the failback, and returns
      // only when protection is disabled there.
      cloudFailback.stayInCloud();
      return new ProtectionResult(state.itemId(), state.state);
    }
    // A reversed input (R25) exists only since reverse replication, so no older history has one.
    boolean replicating =
        input.reverse()
            ? reverse.run(input.jobId())
            : input.resume()
                ? replication.resume(input.jobId())
                : replication.enable(input.jobId());
    if (!replicating) {
      return new ProtectionResult(state.itemId(), state.state);
    }
    recoveryPolicy.started();
    int cycles = 0;
    while (true) {
      if (waitForOperation()) {
        if (operations.run()) {
          return new ProtectionResult(state.itemId(), state.state);
        }
        continue;
      }
      if (resync.marked()) {
        // The resync window opened (R15).
        resync.runScheduled();
        continue;
      }
      replication.deltaCycle();
      resync.afterCycle();
      recoveryPolicy.retryUnsent();
      cycles++;
      if (cycles >= maxCyclesPerRun || Workflow.getInfo().isContinueAsNewSuggested()) {
        // Let accepted Updates finish first; one that asked for an operation is run, not dropped.
        Workflow.await(Workflow::isEveryHandlerFinished);
        // A drill's test VM and report belong to this run; the next one starts after it.
        if (!state.operationQueued() && !testFailover.running()) {
          log.info("item {} continues as new after {} cycles", state.itemId(), cycles);
          Workflow.continueAsNew(state.nextRunInput());
        }
      }
    }
  }

  /**
   * Waits until the next cycle is due (the copy frequency, or R16's back-off after a failure) or an
   * operation arrives; while halted (paused, or after a non-recoverable error) only an operation
   * wakes it. True when an operation arrived.
   */
  private boolean waitForOperation() {
    if (resync.marked()) {
      return resync.awaitWindowOrOperation();
    }
    if (state.cyclesHalted()) {
      Workflow.await(state::operationQueued);
      return true;
    }
    // Cycles keep a fixed rate (due a copy frequency after the last one started); histories
    // recorded before that replay with the delay counted from the end of the last cycle.
    boolean fixedRate = Workflow.getVersion(FIXED_RATE_CYCLES, Workflow.DEFAULT_VERSION, 1) >= 1;
    Duration delay =
        fixedRate
            ? state.schedule.nextDelay(state.copyFrequencySeconds, Workflow.currentTimeMillis())
            : state.schedule.nextDelay(state.copyFrequencySeconds);
    if (delay.isZero()) {
      // The last cycle took longer than the copy frequency: the next one is due now.
      return state.operationQueued();
    }
    return Workflow.await(delay, state::operationQueued);
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
    LifecycleRules.checkNothingQueued(state);
  }

  @Override
  public PolicyApplied updatePolicy(PolicySettings policy) {
    PolicySettings before = state.policy;
    state.policy = policy;
    state.copyFrequencySeconds = policy.copyFrequencySeconds();
    log.info("item {} now copies every {} s", state.itemId(), policy.copyFrequencySeconds());
    recoveryPolicy.changed(before, policy);
    return new PolicyApplied(state.itemId(), state.copyFrequencySeconds);
  }

  @Override
  public void validateUpdatePolicy(PolicySettings policy) {
    LifecycleRules.checkPolicy(state, policy);
  }

  @Override
  public UpdateAccepted pause(LifecycleRequest request) {
    return queue(LifecycleRules.PAUSE, request);
  }

  @Override
  public void validatePause(LifecycleRequest request) {
    LifecycleRules.check(state, LifecycleRules.PAUSE, request);
  }

  @Override
  public UpdateAccepted resume(LifecycleRequest request) {
    return queue(LifecycleRules.RESUME, request);
  }

  @Override
  public void validateResume(LifecycleRequest request) {
    LifecycleRules.check(state, LifecycleRules.RESUME, request);
  }

  @Override
  public UpdateAccepted disable(LifecycleRequest request) {
    return queue(LifecycleRules.DISABLE, request);
  }

  @Override
  public void validateDisable(LifecycleRequest request) {
    LifecycleRules.check(state, LifecycleRules.DISABLE, request);
  }

  @Override
  public UpdateAccepted resync(LifecycleRequest request) {
    return queue(ResyncSteps.KIND, request);
  }

  @Override
  public void validateResync(LifecycleRequest request) {
    ResyncSteps.check(state, request);
  }

  /** The main loop runs the operation; the caller gets the job id at once (202 Accepted). */
  private UpdateAccepted queue(String kind, LifecycleRequest request) {
    state.pendingLifecycle = request;
    state.pendingLifecycleKind = kind;
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public ItemStatus status() {
    return state.toStatus();
  }

  @Override
  public FailoverView failedOver() {
    return state.failedOver == null ? null : state.failedOver.view();
  }

  @Override
  public UpdateAccepted commit(AfterFailoverRequest request) {
    return decide(CommitSteps.COMMIT, request);
  }

  @Override
  public void validateCommit(AfterFailoverRequest request) {
    AfterFailoverRules.check(state, CommitSteps.COMMIT, request);
  }

  @Override
  public UpdateAccepted cancel(AfterFailoverRequest request) {
    return decide(CommitSteps.CANCEL, request);
  }

  @Override
  public void validateCancel(AfterFailoverRequest request) {
    AfterFailoverRules.check(state, CommitSteps.CANCEL, request);
  }

  @Override
  public UpdateAccepted changeRecoveryPoint(AfterFailoverRequest request) {
    return decide(CommitSteps.CHANGE_POINT, request);
  }

  @Override
  public void validateChangeRecoveryPoint(AfterFailoverRequest request) {
    AfterFailoverRules.check(state, CommitSteps.CHANGE_POINT, request);
  }

  /** The failover's wait loop runs the decision; the caller gets the job id at once (202). */
  private UpdateAccepted decide(String kind, AfterFailoverRequest request) {
    state.pendingAfter = request;
    state.pendingAfterKind = kind;
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public UpdateAccepted testFailoverCleanup(TestCleanupRequest request) {
    state.pendingCleanup = request;
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validateTestFailoverCleanup(TestCleanupRequest request) {
    FailoverRules.checkCleanup(state, request);
    LifecycleRules.checkNothingQueued(state);
  }

  @Override
  public java.util.List<DrillReport> drills() {
    return testFailover.reports();
  }
}
