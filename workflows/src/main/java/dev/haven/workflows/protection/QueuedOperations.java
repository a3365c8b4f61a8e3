package dev.haven.workflows.protection;

import io.temporal.workflow.Workflow;

/**
 * The operations that Updates queue for the main loop of {@link ProtectedItemWorkflowImpl}: a
 * drill's start and clean-up, a planned or unplanned failover and the operator's decision after it
 * (R17, R20), pause, resume, disable and resync. The main loop runs one at a time, between cycles.
 */
final class QueuedOperations {
  private final ProtectionState state;
  private final PlannedFailoverSaga plannedFailover;
  private final UnplannedFailoverSaga unplannedFailover;
  private final CommitSteps commitSteps;
  private final TestFailoverSteps testFailover;
  private final LifecycleSteps lifecycle;
  private final ResyncSteps resync;
  private final CloudFailback cloudFailback;

  QueuedOperations(
      ProtectionState state,
      PlannedFailoverSaga plannedFailover,
      UnplannedFailoverSaga unplannedFailover,
      CommitSteps commitSteps,
      TestFailoverSteps testFailover,
      LifecycleSteps lifecycle,
      ResyncSteps resync,
      CloudFailback cloudFailback) {
    this.state = state;
    this.plannedFailover = plannedFailover;
    this.unplannedFailover = unplannedFailover;
    this.commitSteps = commitSteps;
    this.testFailover = testFailover;
    this.lifecycle = lifecycle;
    this.resync = resync;
    this.cloudFailback = cloudFailback;
  }

  /** Runs the queued operation; true when the workflow ends (committed or disabled). */
  boolean run() {
    if (state.pendingCleanup != null) {
      testFailover.cleanUp(state.pendingCleanup);
      state.pendingCleanup = null;
      return false;
    }
    if (state.pendingFailover != null && FailoverRules.TEST.equals(state.pendingFailover.type())) {
      // A drill leaves protection running: the main loop goes on with its cycles.
      testFailover.start(state.pendingFailover);
      state.pendingFailover = null;
      return false;
    }
    if (state.pendingFailover != null) {
      FailoverRequest request = state.pendingFailover;
      boolean failedOver =
          FailoverRules.UNPLANNED.equals(request.type())
              ? unplannedFailover.run(request)
              : plannedFailover.run(request);
      state.pendingFailover = null;
      if (!failedOver) {
        return false;
      }
      // Histories from before R20's decisions end the workflow with the failover.
      int version = Workflow.getVersion(CommitSteps.WAIT_FOR_OPERATOR, Workflow.DEFAULT_VERSION, 1);
      boolean committed = version == Workflow.DEFAULT_VERSION || commitSteps.awaitDecision(request);
      if (committed && cloudFailback.applies()) {
        // R21: the workload runs in the cloud now; the run waits there for the failback.
        cloudFailback.stayInCloud();
      }
      return committed;
    }
    LifecycleRequest request = state.pendingLifecycle;
    String kind = state.pendingLifecycleKind;
    boolean ended = false;
    if (ResyncSteps.KIND.equals(kind)) {
      resync.run(request.jobId()); // a resync never ends the workflow, even when it fails
    } else {
      ended = lifecycle.run(kind, request);
    }
    state.pendingLifecycle = null;
    state.pendingLifecycleKind = null;
    return ended;
  }
}
