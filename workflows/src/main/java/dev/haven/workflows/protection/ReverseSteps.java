package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.AgentActivities.SeededReplicaInput;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.activities.StoreActivities.DirectionUpdate;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * Reverse replication (R25), the first job of a run whose input is reversed ({@link
 * ReverseDirection}): the VM running at the old target becomes the source and the old source VM,
 * powered off, its replica. That old VM is the seed: a resync by block hashes sends only the blocks
 * that differ (after a planned failover, what the workload wrote since; after an unplanned one,
 * also what the old source wrote and never shipped). One delta cycle then makes the first recovery
 * point of the new direction, and the cycles go on there.
 */
final class ReverseSteps {
  static final String POWER_OFF_SEED = "power-off-old-source";
  static final String STOP_OLD_REPLICATION = "stop-old-replication";
  static final String PREPARE_SEEDED_REPLICA = "prepare-seeded-replica";
  static final String START_REPLICATION = "start-replication";
  static final String RESYNC = "resync-disks";
  static final String SHIP_CHANGES = "ship-changes";

  private static final Logger log = Workflow.getLogger(ReverseSteps.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;
  private final ReplicationSteps replication;

  ReverseSteps(
      ProtectionState state,
      ProtectionActivities activities,
      JobRecorder recorder,
      ReplicationSteps replication) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
    this.replication = replication;
  }

  /**
   * Runs the reverse replication as job {@code jobId}. True in both outcomes, so that the main loop
   * goes on: protected in the new direction, or halted in {@code error} for the operator.
   */
  boolean run(String jobId) {
    HostRef source = s.input.source();
    HostRef target = s.input.target();
    String seedVmId = s.replicaVmId;
    s.state = ItemState.RESYNCHRONIZING;
    s.activeSiteId = source.siteId();
    // The store names the item's VM and hosts; from now on they are those of this direction, so
    // that the API shows them and a restart resumes this way round.
    a.store.recordDirection(
        new DirectionUpdate(
            s.itemId(),
            s.input.vmId(),
            seedVmId,
            source.hostId(),
            target.hostId(),
            Workflow.currentTimeMillis()));
    rec.item(s);
    rec.jobState(jobId, RUNNING, null);
    try {
      rec.step(
          jobId,
          POWER_OFF_SEED,
          () -> a.agent.setPower(new PowerInput(target.agentAddress(), seedVmId, false)));
      rec.step(jobId, STOP_OLD_REPLICATION, this::stopOldRoles);
      ReplicaPrepared prepared =
          rec.step(
              jobId,
              PREPARE_SEEDED_REPLICA,
              () ->
                  a.agent.prepareSeededReplica(
                      new SeededReplicaInput(
                          s.itemId(),
                          source.agentAddress(),
                          s.input.vmId(),
                          target.agentAddress(),
                          seedVmId)));
      rec.step(
          jobId,
          START_REPLICATION,
          () -> a.agent.startReplication(replication.startInput(prepared)));
      s.replicaVmId = prepared.replicaVmId();
      rec.step(jobId, RESYNC, () -> replication.resyncDisks(prepared));
      rec.step(jobId, SHIP_CHANGES, replication::shipAndRecord);
    } catch (ActivityFailure | ApplicationFailure e) {
      String message =
          "reverse replication failed: "
              + Failures.describe(e)
              + ". Replication is halted; fix the cause and resume, or disable.";
      log.warn("item {}: {}", s.itemId(), message);
      s.state = ItemState.ERROR;
      s.failed(message, Health.CRITICAL);
      rec.item(s);
      rec.jobState(jobId, FAILED, message);
      return true;
    }
    s.state = ItemState.PROTECTED;
    s.healthy();
    s.schedule.succeeded(Workflow.currentTimeMillis());
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
    return true;
  }

  /**
   * Each agent forgets its role of the old direction. After an unplanned failover the old source
   * was unreachable when the failover stopped things, so it may still count itself a source.
   */
  private Boolean stopOldRoles() {
    a.agent.stopReplication(new StopInput(s.itemId(), s.input.target().agentAddress()));
    a.agent.stopReplication(new StopInput(s.itemId(), s.input.source().agentAddress()));
    return true;
  }
}
