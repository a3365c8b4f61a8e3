package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.StoreActivities.DirectionUpdate;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * R21 around the failback: once a failover to a cloud site is committed, the workload runs in the
 * cloud VM and the item's workflow stays, committed there, until the operator fails it back ({@link
 * CloudFailbackSaga}). The VM at home then waits for the operator's decision: a commit deletes the
 * cloud VM and protects the VM at home to the cloud site again, the chunks already stored not being
 * sent again; a cancel stops it and starts the cloud VM once more.
 */
final class CloudFailback {
  /** Version marker: a commit at a cloud site waits for the failback instead of ending the run. */
  static final String WAIT_IN_CLOUD = "cloud-failback";

  /** Version marker: a resumed run of an item committed in the cloud waits there again. */
  static final String RESUME_IN_CLOUD = "cloud-failback-resume";

  static final String DELETE_CLOUD_VM = "delete-cloud-vm";
  static final String POWER_OFF_HOME_VM = "power-off-vm";
  static final String DELETE_ALTERNATE_VM = "delete-alternate-vm";
  static final String POWER_ON_CLOUD_VM = "power-on-cloud-vm";
  static final String KEEP_CLOUD_VM = "keep-cloud-vm";

  private static final Logger log = Workflow.getLogger(CloudFailback.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;
  private final CloudFailbackSaga saga;

  CloudFailback(ProtectionState state, ProtectionActivities activities, JobRecorder rec) {
    this.s = state;
    this.a = activities;
    this.rec = rec;
    this.saga = new CloudFailbackSaga(state, activities, rec);
  }

  /**
   * True when the item's failover to a cloud site was just committed and the run waits there for
   * the failback. Runs from before R21 end as committed.
   */
  boolean applies() {
    return s.cloudStorage != null
        && s.state == ItemState.COMMITTED
        && Workflow.getVersion(WAIT_IN_CLOUD, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  /**
   * True when a run resumed after a restart (of the embedded Temporal server) finds the item
   * committed in a cloud site: it then waits there for the failback as the lost run did. Runs from
   * before end as committed.
   */
  boolean resumesInCloud() {
    if (s.state != ItemState.COMMITTED
        || Workflow.getVersion(RESUME_IN_CLOUD, Workflow.DEFAULT_VERSION, 1)
            == Workflow.DEFAULT_VERSION) {
      return false;
    }
    s.cloudStorage = CloudReplicationSteps.storageOfTarget(s, a);
    if (s.cloudStorage == null) {
      return false;
    }
    s.activeSiteId = s.input.target().siteId();
    return true;
  }

  /** True while the item is committed in the cloud and may be failed back. */
  static boolean inCloud(ProtectionState s) {
    return s.cloudStorage != null && s.state == ItemState.COMMITTED;
  }

  /**
   * Waits for failbacks and runs them until one is committed, then continues as new protecting the
   * VM at home to the cloud site; returns only when the operator disables protection instead.
   */
  void stayInCloud() {
    String cloudVmId = s.replicaVmId;
    while (true) {
      Workflow.await(() -> s.pendingFailover != null || s.pendingLifecycle != null);
      if (s.pendingLifecycle != null) {
        if (disable(s.pendingLifecycle)) {
          return;
        }
        continue;
      }
      FailoverRequest request = s.pendingFailover;
      HostRef home = saga.run(request, cloudVmId);
      s.pendingFailover = null;
      String commitJobId = home == null ? null : awaitDecision(request, home, cloudVmId);
      if (commitJobId != null) {
        reprotect(commitJobId, home);
      }
    }
  }

  /**
   * The operator's commit or cancel of the failback (a change of point is refused: the failback
   * carried every last write). The commit's job when committed (the failback's own job for an
   * automatic commit), null when cancelled.
   */
  private String awaitDecision(FailoverRequest request, HostRef home, String cloudVmId) {
    Integer seconds = request.autoCommitSeconds();
    if (seconds != null && seconds > 0) {
      s.failedOver.autoCommitAtMillis = Workflow.currentTimeMillis() + seconds * 1000L;
    }
    while (true) {
      boolean asked = CommitSteps.awaitRequest(s);
      String jobId = asked ? s.pendingAfter.jobId() : s.failedOver.jobId;
      boolean commit = !asked || CommitSteps.COMMIT.equals(s.pendingAfterKind);
      if (asked) {
        rec.jobState(jobId, RUNNING, null);
      }
      try {
        if (commit) {
          rec.step(
              jobId,
              DELETE_CLOUD_VM,
              () ->
                  a.agent.deleteVm(new DeleteVmInput(s.input.target().agentAddress(), cloudVmId)));
        } else {
          cancel(jobId, home, cloudVmId, request.alternateHost() != null);
        }
      } catch (ActivityFailure | ApplicationFailure e) {
        AfterFailoverFailure.record(
            s, rec, jobId, asked, commit ? CommitSteps.COMMIT : CommitSteps.CANCEL, e);
        s.failedOver.autoCommitAtMillis = null;
        s.pendingAfter = null;
        s.pendingAfterKind = null;
        continue;
      }
      s.pendingAfter = null;
      s.pendingAfterKind = null;
      if (commit) {
        return jobId;
      }
      s.failedOver = null;
      s.state = ItemState.COMMITTED;
      s.activeSiteId = s.input.target().siteId();
      s.healthy();
      rec.item(s);
      rec.jobState(jobId, SUCCEEDED, null);
      return null;
    }
  }

  /**
   * Protection ends with the workload in the cloud (a migration to the cloud, say): the cloud VM is
   * the workload, so it stays and runs whatever the policy says about replicas. With replica
   * deletion the store's objects (the item's recovery points) are deleted; the VM does not need
   * them. True when the item is disabled; false when the deletion failed, the job says so, and the
   * item stays committed in the cloud, waiting, so that the operator can disable again.
   */
  private boolean disable(LifecycleRequest request) {
    String jobId = request.jobId();
    rec.jobState(jobId, RUNNING, null);
    s.pendingLifecycle = null;
    s.pendingLifecycleKind = null;
    if (request.deleteReplica() && LifecycleSteps.deletesCloudObjects(s)) {
      try {
        rec.step(
            jobId,
            LifecycleSteps.DELETE_CLOUD_OBJECTS,
            () -> LifecycleSteps.deleteCloudObjects(s, a));
      } catch (ActivityFailure e) {
        LifecycleSteps.failJob(
            s,
            rec,
            jobId,
            LifecycleSteps.DELETE_CLOUD_OBJECTS,
            Failures.describe(e),
            "disable again");
        return false;
      }
    }
    rec.step(jobId, KEEP_CLOUD_VM, () -> null);
    s.state = ItemState.DISABLED;
    s.healthy();
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
    return true;
  }

  /** The VM at home stops (an alternate one goes) and the cloud VM runs the workload again. */
  private void cancel(String jobId, HostRef home, String cloudVmId, boolean alternate) {
    String homeVmId = s.failedOver.vmId;
    rec.step(
        jobId,
        POWER_OFF_HOME_VM,
        () -> a.agent.setPower(new PowerInput(home.agentAddress(), homeVmId, false)));
    if (alternate) {
      rec.step(
          jobId,
          DELETE_ALTERNATE_VM,
          () -> a.agent.deleteVm(new DeleteVmInput(home.agentAddress(), homeVmId)));
    }
    rec.step(
        jobId,
        POWER_ON_CLOUD_VM,
        () -> a.agent.setPower(new PowerInput(s.input.target().agentAddress(), cloudVmId, true)));
  }

  /**
   * R21's last step: the VM at home is the item's VM, protected to the cloud site again. The next
   * run enables protection afresh on the commit's job; the source uploads only the chunks the store
   * does not hold yet. Never returns.
   */
  private void reprotect(String jobId, HostRef home) {
    String homeVmId = s.failedOver.vmId;
    HostRef cloud = s.input.target();
    a.store.recordDirection(
        new DirectionUpdate(
            s.itemId(),
            homeVmId,
            null,
            home.hostId(),
            cloud.hostId(),
            Workflow.currentTimeMillis()));
    log.info(
        "item {} failed back to VM {}; protecting it to the cloud again", s.itemId(), homeVmId);
    Workflow.await(Workflow::isEveryHandlerFinished);
    Workflow.continueAsNew(
        new ProtectionInput(
            s.itemId(),
            homeVmId,
            jobId,
            home,
            cloud,
            s.copyFrequencySeconds,
            s.input.networkMapping(),
            false,
            null));
  }
}
