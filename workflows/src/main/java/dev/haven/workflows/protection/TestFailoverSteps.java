package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.JobRecorder.FAILED;
import static dev.haven.workflows.protection.JobRecorder.RUNNING;
import static dev.haven.workflows.protection.JobRecorder.SUCCEEDED;

import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.TestVmCreated;
import dev.haven.workflows.activities.AgentActivities.TestVmInput;
import dev.haven.workflows.activities.StoreActivities.DrillRecord;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * A test failover (R27): a test VM at the target whose disks are copy-on-write overlays of the
 * replica at the chosen point, on an isolated network, while delta cycles go on into the replica.
 * Its clean-up deletes the VM and keeps the drill's report. Starting is a small saga: a test VM
 * that cannot be powered on is deleted again and the item stays protected as it was.
 */
final class TestFailoverSteps {
  static final String CREATE_TEST_VM = "create-test-vm";
  static final String POWER_ON_TEST_VM = "power-on-test-vm";
  static final String DELETE_TEST_VM = "delete-test-vm";

  /** The change that made drill reports rows of the store. */
  static final String STORE_DRILLS = "drill-reports-stored";

  /** The network a test VM is attached to, one per item, so that drills see nothing else. */
  static String isolatedNetwork(String itemId) {
    return "haven-test-" + itemId;
  }

  private static final Logger log = Workflow.getLogger(TestFailoverSteps.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final JobRecorder rec;

  /** The drill that runs now; null between drills. */
  private DrillReport running;

  /** Every finished drill of this run, oldest first. */
  final List<DrillReport> drills = new ArrayList<>();

  TestFailoverSteps(ProtectionState state, ProtectionActivities activities, JobRecorder recorder) {
    this.s = state;
    this.a = activities;
    this.rec = recorder;
  }

  boolean running() {
    return running != null;
  }

  /** The finished drills, oldest first, then the running one (no clean-up job yet). */
  List<DrillReport> reports() {
    List<DrillReport> out = new ArrayList<>(drills);
    if (running != null) {
      out.add(running);
    }
    return List.copyOf(out);
  }

  /**
   * Issue 8: a drill in a cloud site is a VM the cloud host builds from the store at the point, on
   * the isolated network only; the clean-up deletes it like any test VM. (A full build, not an
   * overlay: the cloud site has no replica to overlay.)
   */
  private TestVmCreated cloudTestVm(FailoverRequest request) {
    AgentActivities.MaterializedPoint p =
        a.hasher.materializeCloudPoint(
            new AgentActivities.CloudMaterializeInput(
                s.itemId(),
                s.input.target().agentAddress(),
                s.cloudStorage,
                UnplannedFailoverSaga.pointId(request.recoveryPoint()),
                "",
                List.of(isolatedNetwork(s.itemId()))));
    return new TestVmCreated(p.vmId(), p.pointId(), p.seq(), p.createdAtMillis());
  }

  /** Starts the drill; the item stays protected (and replicating) in state test-failover. */
  void start(FailoverRequest request) {
    String jobId = request.jobId();
    HostRef target = s.input.target();
    rec.jobState(jobId, RUNNING, null);
    Saga saga = new Saga(new Saga.Options.Builder().setContinueWithError(true).build());
    TestVmCreated[] vm = new TestVmCreated[1];
    try {
      saga.addCompensation(
          () -> {
            if (vm[0] != null) {
              a.agent.deleteVm(new DeleteVmInput(target.agentAddress(), vm[0].vmId()));
            }
          });
      vm[0] =
          rec.step(
              jobId,
              CREATE_TEST_VM,
              () ->
                  s.cloudStorage != null
                      ? cloudTestVm(request)
                      : a.agent.createTestVm(
                          new TestVmInput(
                              s.itemId(),
                              target.agentAddress(),
                              UnplannedFailoverSaga.pointId(request.recoveryPoint()),
                              isolatedNetwork(s.itemId()))));
      rec.step(
          jobId,
          POWER_ON_TEST_VM,
          () -> a.agent.setPower(new PowerInput(target.agentAddress(), vm[0].vmId(), true)));
    } catch (ActivityFailure | ApplicationFailure e) {
      String undo = Failures.compensate(saga);
      if (undo != null) {
        log.warn("item {}: deleting the half-built test VM failed: {}", s.itemId(), undo);
      }
      String message =
          "test failover failed: " + Failures.describe(e) + ". Protection goes on as before.";
      s.failed(message, Health.WARNING);
      rec.item(s);
      rec.jobState(jobId, FAILED, message);
      return;
    }
    running =
        new DrillReport(
            jobId,
            vm[0].vmId(),
            vm[0].pointId(),
            vm[0].seq(),
            Workflow.currentTimeMillis(),
            0,
            null,
            null,
            null);
    s.testVmId = vm[0].vmId();
    s.state = ItemState.TEST_FAILOVER;
    rec.item(s);
    storeDrill(running, null);
    rec.jobState(jobId, SUCCEEDED, null);
  }

  /**
   * Keeps the drill's report in the store, where it outlives this workflow (R27): when its test VM
   * runs ({@code endedAt} null) and when it was cleaned up. Histories recorded before the store
   * kept drills have no such write, hence the version.
   */
  private void storeDrill(DrillReport drill, Long endedAt) {
    if (Workflow.getVersion(STORE_DRILLS, Workflow.DEFAULT_VERSION, 1) < 1) {
      return;
    }
    a.store.recordDrill(
        new DrillRecord(
            drill.jobId(),
            s.itemId(),
            drill.testVmId(),
            drill.pointId(),
            drill.pointSeq(),
            drill.startedAtMillis(),
            endedAt,
            endedAt == null ? null : drill.durationMillis(),
            drill.verdict(),
            drill.notes(),
            drill.cleanupJobId()));
  }

  /** Deletes the test VM and keeps the drill's report; the item is protected again. */
  void cleanUp(TestCleanupRequest request) {
    String jobId = request.jobId();
    rec.jobState(jobId, RUNNING, null);
    try {
      rec.step(
          jobId,
          DELETE_TEST_VM,
          () ->
              a.agent.deleteVm(
                  new DeleteVmInput(s.input.target().agentAddress(), running.testVmId())));
    } catch (ActivityFailure | ApplicationFailure e) {
      String message =
          "test failover clean-up failed: "
              + Failures.describe(e)
              + ". The test VM "
              + running.testVmId()
              + " may still run; ask for the clean-up again.";
      s.failed(message, Health.WARNING);
      rec.item(s);
      rec.jobState(jobId, FAILED, message);
      return;
    }
    long now = Workflow.currentTimeMillis();
    DrillReport ended =
        new DrillReport(
            running.jobId(),
            running.testVmId(),
            running.pointId(),
            running.pointSeq(),
            running.startedAtMillis(),
            now - running.startedAtMillis(),
            request.verdict(),
            request.notes(),
            jobId);
    drills.add(ended);
    storeDrill(ended, now);
    running = null;
    s.testVmId = null;
    if (s.state == ItemState.TEST_FAILOVER) {
      s.state = ItemState.PROTECTED;
    }
    rec.item(s);
    rec.jobState(jobId, SUCCEEDED, null);
  }
}
