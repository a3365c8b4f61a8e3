package dev.haven.workflows.protection;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The entity workflow of one protected VM, with id {@code protect/<itemId>}: the single writer of
 * that VM's replication state. It enables protection (R10), runs the initial replication (R11),
 * finalizes (R12), then ships a delta cycle at the policy's copy frequency on a durable timer (R13)
 * until an operator fails the item over (R17); then it waits for the operator's commit, cancel or
 * change of recovery point (R20).
 */
@WorkflowInterface
public interface ProtectedItemWorkflow {

  /** The workflow id of the item's entity workflow. */
  static String workflowId(String itemId) {
    return "protect/" + itemId;
  }

  @WorkflowMethod
  ProtectionResult run(ProtectionInput input);

  /**
   * Asks for a failover. Returns at once with the job id; the failover itself runs in the
   * workflow's main loop and reports through the job's steps.
   */
  @UpdateMethod
  UpdateAccepted failover(FailoverRequest request);

  /**
   * Rejects a failover that the item's state forbids, with a message naming the state and what is
   * allowed, e.g. while the initial replication still runs.
   */
  @UpdateValidatorMethod(updateName = "failover")
  void validateFailover(FailoverRequest request);

  /** The item's current replication status. */
  @QueryMethod
  ItemStatus status();

  /**
   * Applies a changed replication policy (R9) without a restart: the copy frequency takes effect
   * from the next cycle.
   */
  @UpdateMethod
  PolicyApplied updatePolicy(PolicySettings policy);

  @UpdateValidatorMethod(updateName = "updatePolicy")
  void validateUpdatePolicy(PolicySettings policy);

  /** Stops delta cycles until a resume; the source keeps tracking writes. */
  @UpdateMethod
  UpdateAccepted pause(LifecycleRequest request);

  @UpdateValidatorMethod(updateName = "pause")
  void validatePause(LifecycleRequest request);

  /** Ships what accumulated at once and resumes cycles; also clears a non-recoverable error. */
  @UpdateMethod
  UpdateAccepted resume(LifecycleRequest request);

  @UpdateValidatorMethod(updateName = "resume")
  void validateResume(LifecycleRequest request);

  /** Removes replication on both sides and keeps or deletes the replica; the workflow ends. */
  @UpdateMethod
  UpdateAccepted disable(LifecycleRequest request);

  @UpdateValidatorMethod(updateName = "disable")
  void validateDisable(LifecycleRequest request);

  // --- after a failover (R20, R24) ---

  /** What the last failover left running at the target; null unless the item is failed over. */
  @QueryMethod
  FailoverView failedOver();

  /** Makes the failover final: the workload stays at the target and the other points go. */
  @UpdateMethod
  UpdateAccepted commit(AfterFailoverRequest request);

  @UpdateValidatorMethod(updateName = "commit")
  void validateCommit(AfterFailoverRequest request);

  /** Powers the VM at the target off and restores protection in the original direction. */
  @UpdateMethod
  UpdateAccepted cancel(AfterFailoverRequest request);

  @UpdateValidatorMethod(updateName = "cancel")
  void validateCancel(AfterFailoverRequest request);

  /** Rebuilds the running VM at another recovery point (after an unplanned failover). */
  @UpdateMethod
  UpdateAccepted changeRecoveryPoint(AfterFailoverRequest request);

  @UpdateValidatorMethod(updateName = "changeRecoveryPoint")
  void validateChangeRecoveryPoint(AfterFailoverRequest request);

  // --- test failover (R27) ---

  /** Deletes the test failover's VM and keeps the drill's report with the operator's verdict. */
  @UpdateMethod
  UpdateAccepted testFailoverCleanup(TestCleanupRequest request);

  @UpdateValidatorMethod(updateName = "testFailoverCleanup")
  void validateTestFailoverCleanup(TestCleanupRequest request);

  /**
   * The reports of the test failovers of this item, oldest first; a running drill comes last,
   * without a clean-up job, duration or verdict yet.
   */
  @QueryMethod
  java.util.List<DrillReport> drills();

  /**
   * Resynchronizes the item at once (R15), whether or not it was marked and whatever the policy's
   * resync window; also clears a non-recoverable error. Returns with the job id; the resync runs in
   * the main loop.
   */
  @UpdateMethod
  UpdateAccepted resync(LifecycleRequest request);

  /** Rejects a resync in a state that forbids it, naming the state and where it is allowed. */
  @UpdateValidatorMethod(updateName = "resync")
  void validateResync(LifecycleRequest request);
}
