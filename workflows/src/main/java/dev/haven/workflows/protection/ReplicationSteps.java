package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.AgentActivities.CopyDiskInput;
import dev.haven.workflows.activities.AgentActivities.CycleResult;
import dev.haven.workflows.activities.AgentActivities.DiskPair;
import dev.haven.workflows.activities.AgentActivities.DiskResynced;
import dev.haven.workflows.activities.AgentActivities.PrepareReplicaInput;
import dev.haven.workflows.activities.AgentActivities.PrerequisitesInput;
import dev.haven.workflows.activities.AgentActivities.PrerequisitesMet;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.AgentActivities.ReplicationProgress;
import dev.haven.workflows.activities.AgentActivities.ResyncDiskInput;
import dev.haven.workflows.activities.AgentActivities.StartReplicationInput;
import dev.haven.workflows.activities.AgentActivities.StateInput;
import dev.haven.workflows.activities.StoreActivities.Ack;
import dev.haven.workflows.activities.StoreActivities.ItemRef;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * The replication steps of a protected item: enable protection (R10), initial replication (R11),
 * finalize (R12), the delta cycle (R13) and the resume after a restart (D1). Every agent command is
 * idempotent, so a step that is run again after a failure or a restart picks up where it stopped.
 */
final class ReplicationSteps {
  static final String CHECK_PREREQUISITES = "check-prerequisites";
  static final String PREPARE_REPLICA = "prepare-replica";
  static final String START_REPLICATION = "start-replication";
  static final String INITIAL_REPLICATION = "initial-replication";

  /** Issue 8: the target may be a cloud site; histories from before replay without the check. */
  static final String CLOUD_TARGET = "cloud-target";

  private static final Logger log = Workflow.getLogger(ReplicationSteps.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;

  private final CloudReplicationSteps cloud;
  private final DeltaCycleSteps cycle;
  private final FinalizeSteps finalize;

  ReplicationSteps(ProtectionState state, ProtectionActivities activities, JobRecorder recorder) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
    this.cloud = new CloudReplicationSteps(state, activities, recorder);
    this.cycle = new DeltaCycleSteps(state, activities, recorder);
    this.finalize = new FinalizeSteps(state, activities, recorder, cycle);
  }

  /** A fresh protection: every step from prepare to finalize. False if it ended in error. */
  boolean enable(String jobId) {
    s.state = ItemState.ENABLING;
    rec.item(s);
    // Histories from before the prerequisite check replay without it.
    boolean check = Workflow.getVersion(CHECK_PREREQUISITES, Workflow.DEFAULT_VERSION, 1) >= 1;
    return withRetries(
        jobId,
        () -> {
          if (check) {
            rec.step(jobId, CHECK_PREREQUISITES, this::checkPrerequisites);
          }
          enableSteps(jobId);
        });
  }

  /** R10: nothing is created at the agents until every prerequisite holds. */
  private PrerequisitesMet checkPrerequisites() {
    return a.agent.checkPrerequisites(
        new PrerequisitesInput(s.itemId(), sourceAgent(), s.input.vmId(), targetAgent()));
  }

  /**
   * Picks up after the embedded Temporal server restarted (or after continue-as-new): the agents
   * say where replication stands, and an unfinished initial copy continues from the chunk the
   * target persisted. Never starts a full copy over. False if the item should not be replicated.
   */
  boolean resume(String jobId) {
    if (s.state == ItemState.FAILED_OVER
        || s.state == ItemState.COMMITTED
        || s.state == ItemState.DISABLED) {
      return false;
    }
    if (Workflow.getVersion(CLOUD_TARGET, Workflow.DEFAULT_VERSION, 1) >= 1) {
      s.cloudStorage = cloud.storageOfTarget();
    }
    ReplicationProgress source = progressOf(s.input.source());
    // A cloud site's host holds nothing of the item until a failover.
    ReplicationProgress target = s.cloudStorage == null ? progressOf(s.input.target()) : null;
    if (source != null) {
      s.pendingBytes = source.pendingBytes();
    }
    if (target != null) {
      s.lastAppliedSeq = Math.max(s.lastAppliedSeq, target.lastAppliedSeq());
    }
    boolean startedBefore = s.state != ItemState.ENABLING && s.state != ItemState.ERROR;
    boolean copyDone =
        target != null
            ? target.initialCopyDone()
            : startedBefore && s.state != ItemState.INITIAL_REPLICATION;
    log.info(
        "resuming item {} in state {}: initial copy done={}, applied seq={}",
        s.itemId(),
        s.state.apiName(),
        copyDone,
        s.lastAppliedSeq);
    if (!copyDone) {
      return withRetries(jobId, () -> enableSteps(jobId));
    }
    if (!startedBefore || s.state == ItemState.INITIAL_REPLICATION) {
      return withRetries(jobId, () -> finalize.run(jobId));
    }
    // Whatever the store last saw (resync, pause, an interrupted failover), the replica holds a
    // complete copy, so protection continues with delta cycles, unless an operator paused it.
    if (s.state == ItemState.RESYNCHRONIZING) {
      // An interrupted resync is marked again; ResyncSteps runs it anew, resuming at the target's
      // confirmed blocks.
      s.state = ItemState.RESYNC_REQUIRED;
    }
    if (s.state == ItemState.RESYNC_REQUIRED) {
      s.health = Health.WARNING;
    } else if (s.state != ItemState.PAUSED) {
      s.state = ItemState.PROTECTED;
    }
    s.schedule.start(Workflow.currentTimeMillis());
    rec.item(s);
    return true;
  }

  /** One delta cycle (R13), as {@link DeltaCycleSteps#run()} says. */
  void deltaCycle() {
    cycle.run();
  }

  /** Seals and ships the change logs, then records the recovery point that the target applied. */
  CycleResult shipAndRecord() {
    return cycle.shipAndRecord();
  }

  /** As {@link #shipAndRecord()}, through {@code cycler}'s timeouts and retries. */
  CycleResult shipAndRecord(AgentActivities cycler) {
    return cycle.shipAndRecord(cycler);
  }

  /**
   * Records the target as the item's replica again and restarts tracking at the source: what a
   * rolled-back planned failover and a cancelled one (R20) both need.
   */
  ReplicaPrepared reestablish() {
    ReplicaPrepared prepared = a.agent.prepareReplica(prepareInput());
    a.agent.startReplication(startInput(prepared));
    return prepared;
  }

  /**
   * Resyncs every disk of {@code prepared} from the source to the target: only the blocks that
   * differ travel, the replica being the seed (R15, R25).
   */
  List<DiskResynced> resyncDisks(ReplicaPrepared prepared) {
    List<DiskResynced> out = new ArrayList<>();
    for (DiskPair disk : prepared.disks()) {
      out.add(
          a.copier.resyncDisk(
              new ResyncDiskInput(
                  s.itemId(), sourceAgent(), targetAgent(), disk.sourceDiskId(), false)));
    }
    return out;
  }

  private void enableSteps(String jobId) {
    if (Workflow.getVersion(CLOUD_TARGET, Workflow.DEFAULT_VERSION, 1) >= 1) {
      s.cloudStorage = cloud.storageOfTarget();
    }
    if (s.cloudStorage != null) {
      cloud.enable(jobId);
      finalize.run(jobId);
      return;
    }
    ReplicaPrepared prepared =
        rec.step(jobId, PREPARE_REPLICA, () -> a.agent.prepareReplica(prepareInput()));
    s.replicaVmId = prepared.replicaVmId();
    rec.step(jobId, START_REPLICATION, () -> a.agent.startReplication(startInput(prepared)));
    s.state = ItemState.INITIAL_REPLICATION;
    rec.item(s);
    rec.step(
        jobId,
        INITIAL_REPLICATION,
        () -> {
          // One disk after the other (R11): each copy is a long activity that resumes by itself.
          for (DiskPair disk : prepared.disks()) {
            a.copier.copyDisk(
                new CopyDiskInput(s.itemId(), sourceAgent(), targetAgent(), disk.sourceDiskId()));
          }
          return null;
        });
    finalize.run(jobId);
  }

  /**
   * Replication restarted afresh in the same direction: the target's points went with its old
   * record and sequences start at 1 again, so the points the store lists go too and the new ones
   * count from 0 (else the store would drop them as duplicates and the item's applied sequence
   * would stand still).
   */
  Ack forgetPoints() {
    Ack forgotten = a.store.forgetRecoveryPoints(new ItemRef(s.itemId()));
    s.lastAppliedSeq = 0;
    return forgotten;
  }

  /** Starts replication to the cloud site afresh and uploads every disk (changed chunks only). */
  ReplicaPrepared restartCloud() {
    return cloud.restart();
  }

  /**
   * Runs {@code body} until it succeeds. A non-recoverable failure ends protection in state error
   * with health critical (R16); a recoverable one waits on a durable timer and tries again.
   */
  private boolean withRetries(String jobId, Functions.Proc body) {
    rec.jobState(jobId, RUNNING, null);
    for (int attempt = 0; ; attempt++) {
      try {
        body.apply();
        rec.jobState(jobId, SUCCEEDED, null);
        return true;
      } catch (ActivityFailure e) {
        String error = Failures.describe(e);
        if (!Failures.recoverable(e)) {
          s.state = ItemState.ERROR;
          s.failed(error, Health.CRITICAL);
          rec.item(s);
          rec.jobState(jobId, FAILED, error);
          return false;
        }
        s.failed(error, Health.WARNING);
        rec.item(s);
        Duration delay = retryDelay(attempt);
        log.warn("enabling item {} failed, again in {}: {}", s.itemId(), delay, error);
        Workflow.sleep(delay);
      }
    }
  }

  static Duration retryDelay(int attempt) {
    return CycleSchedule.backoff(attempt);
  }

  private ReplicationProgress progressOf(HostRef host) {
    try {
      return a.agent.replicationState(new StateInput(s.itemId(), host.agentAddress()));
    } catch (ActivityFailure e) {
      log.warn(
          "agent {} cannot say where item {} stands: {}", host, s.itemId(), Failures.describe(e));
      return null;
    }
  }

  private PrepareReplicaInput prepareInput() {
    return new PrepareReplicaInput(
        s.itemId(), sourceAgent(), s.input.vmId(), targetAgent(), s.input.networkMapping());
  }

  /** Tracking at the source for {@code prepared}'s replica, in this run's direction. */
  StartReplicationInput startInput(ReplicaPrepared prepared) {
    return new StartReplicationInput(
        s.itemId(),
        sourceAgent(),
        s.input.vmId(),
        targetAgent(),
        prepared.replicaVmId(),
        prepared.disks());
  }

  private String sourceAgent() {
    return s.input.source().agentAddress();
  }

  private String targetAgent() {
    return s.input.target().agentAddress();
  }
}
