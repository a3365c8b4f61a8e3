package dev.haven.workflows.protection;

import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.AgentActivities.CycleInput;
import dev.haven.workflows.activities.AgentActivities.CycleResult;
import dev.haven.workflows.activities.StoreActivities.RecoveryPointRecord;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * The delta cycle of a protected item (R13): the source seals and ships its change logs, the target
 * applies them, and the recovery point that made is recorded. Failover, resync, resume and cancel
 * ship one cycle of their own through {@link #shipAndRecord()}.
 */
final class DeltaCycleSteps {
  static final String ONE_CYCLE_WRITE = "one-store-write-per-cycle";

  private static final Logger log = Workflow.getLogger(DeltaCycleSteps.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;

  DeltaCycleSteps(ProtectionState state, ProtectionActivities activities, JobRecorder recorder) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
  }

  /**
   * One delta cycle (R13). A recoverable failure is retried on R16's back-off by the main loop; a
   * non-recoverable one halts the cycles in state error with health critical until an operator
   * resumes or disables (R16). Health is then computed from the workflow's clock (R14).
   */
  void run() {
    s.schedule.cycleStarted(Workflow.currentTimeMillis());
    // One store write per cycle (a local activity) instead of two activities: half the history
    // and far less work for Temporal at a thousand items. Older histories replay the two writes.
    boolean oneWrite = Workflow.getVersion(ONE_CYCLE_WRITE, Workflow.DEFAULT_VERSION, 1) >= 1;
    RecoveryPointRecord point = null;
    try {
      if (oneWrite) {
        point = CyclePoints.of(s.itemId(), ship(a.cycler));
      } else {
        shipAndRecord();
      }
      s.schedule.succeeded(Workflow.currentTimeMillis());
    } catch (ActivityFailure e) {
      String error = Failures.describe(e);
      boolean recoverable = Failures.recoverable(e);
      s.schedule.failed(Workflow.currentTimeMillis(), recoverable);
      s.lastError = error;
      if (!recoverable) {
        s.state = ItemState.ERROR;
      }
      log.warn("delta cycle of item {} failed: {}", s.itemId(), error);
    }
    s.health = s.schedule.health(Workflow.currentTimeMillis(), s.copyFrequencySeconds);
    if (oneWrite) {
      rec.cycle(a.cycleStore, s, point);
    } else {
      rec.item(s);
    }
  }

  /** Seals and ships the change logs, then records the recovery point that the target applied. */
  CycleResult shipAndRecord() {
    return shipAndRecord(a.cycler);
  }

  /** As {@link #shipAndRecord()}, through {@code cycler}'s timeouts and retries. */
  CycleResult shipAndRecord(AgentActivities cycler) {
    CycleResult r = ship(cycler);
    if (CyclePoints.madePoint(r)) {
      rec.recoveryPoint(s.itemId(), r.sealedSeq(), r.sealedAtMillis());
    }
    return r;
  }

  /** Seals and ships the change logs and takes what the agent answered into the state. */
  private CycleResult ship(AgentActivities cycler) {
    CycleResult r =
        cycler.replicateCycle(new CycleInput(s.itemId(), s.input.source().agentAddress()));
    s.pendingBytes = r.pendingBytes();
    s.lastAppliedSeq = Math.max(s.lastAppliedSeq, r.ackedSeq());
    if (CyclePoints.madePoint(r)) {
      s.lastRecoveryPointMillis = r.sealedAtMillis();
    }
    return r;
  }
}
