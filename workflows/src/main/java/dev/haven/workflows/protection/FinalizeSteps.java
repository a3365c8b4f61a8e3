package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.ReplicaNetworksInput;
import dev.haven.workflows.activities.StoreActivities.JobOpen;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.util.Objects;

/**
 * Finalize protection (R12), after the initial copy: the replica's networks are checked against the
 * pairing's mapping and a first delta cycle ships what the guest wrote during the copy. Site
 * Recovery shows it as a job of its own; a retried finalize reuses that job.
 */
final class FinalizeSteps {
  static final String APPLY_NETWORK_MAPPING = "apply-network-mapping";
  static final String FINALIZE = "finalize";

  /** R12 as Site Recovery shows it: finalize protection is a job of its own after enabling. */
  static final String FINALIZE_JOB_TYPE = "finalize-protection";

  static final String FINALIZE_JOB_VERSION = "finalize-protection-job";

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;
  private final DeltaCycleSteps cycle;

  /** This run's finalize-protection job, once opened; a retried finalize reuses it. */
  private String finalizeJobId;

  FinalizeSteps(
      ProtectionState state,
      ProtectionActivities activities,
      JobRecorder recorder,
      DeltaCycleSteps cycle) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
    this.cycle = cycle;
  }

  /** Runs the finalize steps; a failure is recorded on the finalize job and thrown on. */
  void run(String enableJobId) {
    String jobId = openJob(enableJobId);
    try {
      steps(jobId);
    } catch (ActivityFailure e) {
      if (!Objects.equals(jobId, enableJobId)) {
        rec.jobState(jobId, FAILED, Failures.describe(e));
      }
      throw e;
    }
    if (!Objects.equals(jobId, enableJobId)) {
      rec.jobState(jobId, SUCCEEDED, null);
    }
  }

  /**
   * The job that the finalize steps are recorded under: a finalize-protection job of its own,
   * linked to the workflow (histories from before it record them under the enable job).
   */
  private String openJob(String enableJobId) {
    if (Workflow.getVersion(FINALIZE_JOB_VERSION, Workflow.DEFAULT_VERSION, 1) < 1) {
      return enableJobId;
    }
    if (finalizeJobId == null) {
      finalizeJobId = "job-" + Workflow.randomUUID().toString().substring(0, 8);
      rec.openJob(
          new JobOpen(
              finalizeJobId,
              FINALIZE_JOB_TYPE,
              s.itemId(),
              Workflow.getInfo().getWorkflowId(),
              Workflow.currentTimeMillis()));
    }
    rec.jobState(finalizeJobId, RUNNING, null);
    return finalizeJobId;
  }

  private void steps(String jobId) {
    // R12: the replica is on the pairing's mapped networks (set at prepare; checked and recorded
    // here). Histories from before this step replay without it.
    boolean verify = Workflow.getVersion(APPLY_NETWORK_MAPPING, Workflow.DEFAULT_VERSION, 1) >= 1;
    if (verify && s.replicaVmId != null) {
      rec.step(
          jobId,
          APPLY_NETWORK_MAPPING,
          () ->
              a.agent.verifyReplicaNetworks(
                  new ReplicaNetworksInput(
                      s.input.source().agentAddress(),
                      s.input.vmId(),
                      s.input.target().agentAddress(),
                      s.replicaVmId,
                      s.input.networkMapping())));
    }
    // The first cycle ships the writes that the guest made while the disks were being copied.
    rec.step(jobId, FINALIZE, cycle::shipAndRecord);
    s.state = ItemState.PROTECTED;
    s.healthy();
    s.schedule.succeeded(Workflow.currentTimeMillis());
    rec.item(s);
  }
}
