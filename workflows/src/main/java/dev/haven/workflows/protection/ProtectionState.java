package dev.haven.workflows.protection;

import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;

/**
 * Everything a {@link ProtectedItemWorkflowImpl} run knows about its item, in one place, so that
 * the Query, the Update validator, the helpers and continue-as-new all read the same fields. Only
 * the workflow thread touches it, so it needs no locking.
 */
final class ProtectionState {
  final ProtectionInput input;
  ItemState state;
  Health health = Health.NORMAL;
  String replicaVmId;

  /** Issue 8: the cloud site's object store when the target is one, else null. */
  String cloudStorage;

  long lastAppliedSeq;
  Long lastRecoveryPointMillis;
  long pendingBytes;

  /** The most recent error; it stays after recovery, and the health says whether it matters. */
  String lastError;

  String activeSiteId;

  /** The failover that an accepted Update asked for and the main loop has not started yet. */
  FailoverRequest pendingFailover;

  /** A pause, resume or disable that an accepted Update asked for, and which one it is. */
  LifecycleRequest pendingLifecycle;

  String pendingLifecycleKind;

  /** The VM of the test failover that runs now (R27); null between drills. */
  String testVmId;

  /** The clean-up of a test failover that an accepted Update asked for. */
  TestCleanupRequest pendingCleanup;

  /** What the last failover left running, until a commit or cancel; null before one. */
  FailedOver failedOver;

  /** A commit, cancel or change of point that an accepted Update asked for, and which one. */
  AfterFailoverRequest pendingAfter;

  String pendingAfterKind;

  /** The copy frequency in force; a policy Update changes it from the next cycle. */
  int copyFrequencySeconds;

  /** The policy as the last {@code updatePolicy} sent it; null until one arrives. */
  PolicySettings policy;

  /** When cycles run and how healthy they leave the item (R14, R16). */
  final CycleSchedule schedule = new CycleSchedule();

  ProtectionState(ProtectionInput input) {
    this.input = input;
    this.activeSiteId = input.source().siteId();
    this.copyFrequencySeconds = input.copyFrequencySeconds();
    ProtectionCarryOver carry = input.carryOver();
    if (carry == null) {
      this.state = ItemState.ENABLING;
      return;
    }
    this.state = carry.state() == null ? ItemState.ENABLING : carry.state();
    this.replicaVmId = carry.replicaVmId();
    this.lastAppliedSeq = carry.lastAppliedSeq();
    this.lastRecoveryPointMillis = carry.lastRecoveryPointMillis();
  }

  String itemId() {
    return input.itemId();
  }

  /** Marks the item healthy again after a step that touched the agents succeeded. */
  void healthy() {
    health = Health.NORMAL;
  }

  /** Records an error and the health it leaves the item in. */
  void failed(String error, Health newHealth) {
    lastError = error;
    health = newHealth;
  }

  /** True while an accepted Update waits for the main loop. */
  boolean operationQueued() {
    return pendingFailover != null || pendingLifecycle != null || pendingCleanup != null;
  }

  /** Cycles stop while paused and after a non-recoverable error, until an operator acts. */
  boolean cyclesHalted() {
    return state == ItemState.PAUSED || state == ItemState.ERROR;
  }

  ItemStatus toStatus() {
    return new ItemStatus(
        itemId(),
        state,
        health,
        replicaVmId,
        lastAppliedSeq,
        lastRecoveryPointMillis,
        pendingBytes,
        lastError);
  }

  /** The input of the next run when this one continues as new: same item, resumed state. */
  ProtectionInput nextRunInput() {
    return new ProtectionInput(
        input.itemId(),
        input.vmId(),
        null,
        input.source(),
        input.target(),
        copyFrequencySeconds,
        input.networkMapping(),
        true,
        new ProtectionCarryOver(state, replicaVmId, lastAppliedSeq, lastRecoveryPointMillis));
  }
}
