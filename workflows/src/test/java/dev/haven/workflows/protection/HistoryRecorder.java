package dev.haven.workflows.protection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.workflows.model.ItemState;
import io.temporal.client.WorkflowStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the histories that {@link HistoryReplayTest} replays. Runs only when asked, with {@code
 * ./mvnw -pl workflows test -Dtest=HistoryRecorder#recordLifecycle -Dhaven.recordHistories=true}
 * (one method: a history that existing runs made must stay as it was), from the module's folder as
 * Maven runs it.
 */
@EnabledIfSystemProperty(named = "haven.recordHistories", matches = "true")
class HistoryRecorder {
  static final String PROTECT_TWO_CYCLES_FAILOVER =
      "histories/protect-two-cycles-planned-failover.json";
  static final String LIFECYCLE = "histories/protect-policy-backoff-pause-resume-disable.json";
  static final String UNPLANNED_CHANGE_COMMIT =
      "histories/protect-unplanned-failover-change-point-commit.json";
  static final String DRILL_PLANNED_CANCEL =
      "histories/protect-test-failover-planned-failover-cancel-disable.json";
  static final String DRILL_STORED = "histories/protect-test-failover-drill-stored-disable.json";
  static final String ROUND_TRIP_AWAY =
      "histories/round-trip-1-protect-planned-failover-commit.json";
  static final String ROUND_TRIP_REVERSED =
      "histories/round-trip-2-reverse-cycle-planned-failover-home-commit.json";
  static final String ROUND_TRIP_HOME = "histories/round-trip-3-reverse-again-disable.json";

  /** Answers for the failover calls that the healthy-agents harness leaves unanswered. */
  private static void answerFailoverCalls(ProtectionHarness h) {
    java.util.concurrent.atomic.AtomicInteger copies =
        new java.util.concurrent.atomic.AtomicInteger();
    org.mockito.Mockito.doAnswer(
            inv -> {
              var in =
                  (dev.haven.workflows.activities.AgentActivities.MaterializeInput)
                      inv.getArgument(0);
              long seq = in.pointId().isEmpty() ? 3 : Long.parseLong(in.pointId().substring(3));
              return new dev.haven.workflows.activities.AgentActivities.MaterializedPoint(
                  "rp-" + seq,
                  seq,
                  seq * 1000,
                  false,
                  "copy-" + copies.incrementAndGet(),
                  java.util.List.of("c1", "c2"),
                  java.util.List.of("aa", "bb"),
                  0);
            })
        .when(h.agent)
        .materializeRecoveryPoint(org.mockito.ArgumentMatchers.any());
    org.mockito.Mockito.doAnswer(
            inv ->
                new dev.haven.workflows.activities.AgentActivities.TestVmCreated(
                    "test-vm-1", "rp-1", 1, 1000))
        .when(h.agent)
        .createTestVm(org.mockito.ArgumentMatchers.any());
    org.mockito.Mockito.doAnswer(
            inv -> new dev.haven.workflows.activities.AgentActivities.AddressesSet("vm"))
        .when(h.agent)
        .setVmAddresses(org.mockito.ArgumentMatchers.any());
    org.mockito.Mockito.doAnswer(
            inv ->
                new dev.haven.workflows.activities.AgentActivities.DiskResynced(
                    "d", 16, 1, 4096, 4096, 3))
        .when(h.agent)
        .resyncDisk(org.mockito.ArgumentMatchers.any());
  }

  /**
   * R17/R19/R20/R24: an unplanned failover to an older point with a static address, a change to the
   * newest point, then a commit, which ends the workflow.
   */
  @Test
  void recordUnplannedChangeCommit() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness()) {
      answerFailoverCalls(h);
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      h.skip(Duration.ofSeconds(ProtectionHarness.COPY_FREQUENCY_SECONDS * 2L + 5));
      h.awaitStatus(wf, s -> s.lastAppliedSeq() == 3, "two delta cycles");
      wf.failover(
          new FailoverRequest("job-uf", "unplanned", "rp-2", null, "10.1.2.3", "203.0.113.7"));
      h.awaitState(wf, ItemState.FAILED_OVER);
      wf.changeRecoveryPoint(new AfterFailoverRequest("job-change", "latest"));
      ProtectionHarness.awaitTrue(() -> h.jobStates("job-change").size() == 2, "the change");
      // The decision is cleared in the workflow task after its job's last write.
      ProtectionHarness.sleepRealMillis(500);
      wf.commit(new AfterFailoverRequest("job-commit", null));
      WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);
      write(h, UNPLANNED_CHANGE_COMMIT);
    }
  }

  /**
   * R27: a test failover whose drill report goes to the store when its VM runs and again when it is
   * cleaned up (the {@code drill-reports-stored} version), then a disable that ends the workflow.
   */
  @Test
  void recordDrillStored() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness()) {
      answerFailoverCalls(h);
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      wf.failover(new FailoverRequest("job-test", "test", "latest"));
      h.awaitState(wf, ItemState.TEST_FAILOVER);
      ProtectionHarness.awaitTrue(() -> h.jobStates("job-test").size() == 2, "the drill's start");
      // The decision is cleared in the workflow task after its job's last write.
      ProtectionHarness.sleepRealMillis(500);
      wf.testFailoverCleanup(new TestCleanupRequest("job-clean", "failed", "no answer"));
      h.awaitState(wf, ItemState.PROTECTED);
      org.mockito.Mockito.verify(h.store, org.mockito.Mockito.times(2))
          .recordDrill(org.mockito.ArgumentMatchers.any());
      wf.disable(new LifecycleRequest("job-disable", false));
      WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);
      write(h, DRILL_STORED);
    }
  }

  /**
   * R27/R20: a test failover beside a delta cycle and its clean-up, then a planned failover that is
   * cancelled (resync, source back on), and a disable that ends the workflow.
   */
  @Test
  void recordDrillPlannedCancel() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness()) {
      answerFailoverCalls(h);
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      wf.failover(new FailoverRequest("job-test", "test", "latest"));
      h.awaitState(wf, ItemState.TEST_FAILOVER);
      h.skip(Duration.ofSeconds(ProtectionHarness.COPY_FREQUENCY_SECONDS + 5));
      h.awaitStatus(wf, s -> s.lastAppliedSeq() == 2, "a cycle during the drill");
      wf.testFailoverCleanup(new TestCleanupRequest("job-clean", "passed", "ok"));
      h.awaitState(wf, ItemState.PROTECTED);
      wf.failover(new FailoverRequest("job-pf", "planned", "latest"));
      h.awaitState(wf, ItemState.FAILED_OVER);
      wf.cancel(new AfterFailoverRequest("job-cancel", null));
      h.awaitState(wf, ItemState.PROTECTED);
      wf.disable(new LifecycleRequest("job-disable", false));
      WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);
      write(h, DRILL_PLANNED_CANCEL);
    }
  }

  static final String ONE_WRITE_PER_CYCLE = "histories/protect-cycles-one-store-write-disable.json";

  /**
   * The lifecycle paths: prerequisites and network check at enable, a policy change, a cycle that
   * fails and is retried after R16's first back-off, pause, resume and disable with the replica
   * deleted.
   */
  @Test
  void recordLifecycle() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness()) {
      java.util.concurrent.atomic.AtomicInteger calls =
          new java.util.concurrent.atomic.AtomicInteger();
      org.mockito.Mockito.doAnswer(
              inv -> {
                if (calls.incrementAndGet() == 3) {
                  throw io.temporal.failure.ApplicationFailure.newFailure(
                      "peer unreachable", "NetworkError");
                }
                return ProtectionHarness.cycleResult(h.seq.incrementAndGet());
              })
          .when(h.agent)
          .replicateCycle(org.mockito.ArgumentMatchers.any());
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      wf.updatePolicy(new PolicySettings("pol-1", 30, 24, 0, "anytime", "UTC", "delete"));
      h.skip(Duration.ofSeconds(61)); // cycle 2 ok
      h.skip(Duration.ofSeconds(31)); // cycle 3 fails
      h.skip(Duration.ofSeconds(61)); // retried after one minute
      h.awaitStatus(wf, s -> s.lastAppliedSeq() >= 3, "the retried cycle");
      wf.pause(new LifecycleRequest("job-pause", false));
      h.awaitState(wf, ItemState.PAUSED);
      wf.resume(new LifecycleRequest("job-resume", false));
      h.awaitState(wf, ItemState.PROTECTED);
      wf.disable(new LifecycleRequest("job-disable", true));
      WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);
      write(h, LIFECYCLE);
    }
  }

  /**
   * Delta cycles with one store write each (a local activity holding the point and the status), one
   * of them failing recoverably, then disable.
   */
  @Test
  void recordOneStoreWritePerCycle() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness()) {
      java.util.concurrent.atomic.AtomicInteger calls =
          new java.util.concurrent.atomic.AtomicInteger();
      org.mockito.Mockito.doAnswer(
              inv -> {
                if (calls.incrementAndGet() == 3) {
                  throw io.temporal.failure.ApplicationFailure.newFailure(
                      "peer unreachable", "NetworkError");
                }
                return ProtectionHarness.cycleResult(h.seq.incrementAndGet());
              })
          .when(h.agent)
          .replicateCycle(org.mockito.ArgumentMatchers.any());
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      h.skip(Duration.ofSeconds(ProtectionHarness.COPY_FREQUENCY_SECONDS + 1)); // cycle 2 ok
      h.skip(Duration.ofSeconds(ProtectionHarness.COPY_FREQUENCY_SECONDS + 1)); // cycle 3 fails
      h.skip(Duration.ofSeconds(61)); // retried after one minute
      h.awaitStatus(wf, s -> s.lastAppliedSeq() >= 3, "the retried cycle");
      wf.disable(new LifecycleRequest("job-disable", true));
      WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);
      write(h, ONE_WRITE_PER_CYCLE);
    }
  }

  /**
   * R23/R25/R26, one file per run: protect, planned failover and commit (continues as new
   * reversed); the reverse replication, a cycle, a planned failover home and its commit (continues
   * as new); the reverse replication again and a disable that ends the workflow.
   */
  @Test
  void recordRoundTrip() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness()) {
      ReverseReplicationTest.answerReverseCalls(h);
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      wf.failover(new FailoverRequest("job-away", "planned", "latest"));
      h.awaitState(wf, ItemState.FAILED_OVER);
      wf.commit(new AfterFailoverRequest("job-commit-away", null));
      ProtectionHarness.awaitTrue(
          () -> h.jobStates("job-commit-away").size() >= 3, "the reverse replication");
      h.awaitState(wf, ItemState.PROTECTED);
      h.skip(Duration.ofSeconds(ProtectionHarness.COPY_FREQUENCY_SECONDS + 5));
      wf.failover(new FailoverRequest("job-home", "planned", "latest"));
      h.awaitState(wf, ItemState.FAILED_OVER);
      wf.commit(new AfterFailoverRequest("job-commit-home", null));
      ProtectionHarness.awaitTrue(
          () -> h.jobStates("job-commit-home").size() >= 3, "the second reverse replication");
      h.awaitState(wf, ItemState.PROTECTED);
      wf.disable(new LifecycleRequest("job-disable", false));
      WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);

      String id = ProtectedItemWorkflow.workflowId(ProtectionHarness.ITEM);
      String run = h.firstRun.getRunId();
      for (String resource : new String[] {ROUND_TRIP_AWAY, ROUND_TRIP_REVERSED, ROUND_TRIP_HOME}) {
        var history = h.client.fetchHistory(id, run);
        var last = history.getLastEvent();
        Path file = Path.of("src/test/resources", resource);
        Files.writeString(file, history.toJson(true) + "\n");
        if (last.hasWorkflowExecutionContinuedAsNewEventAttributes()) {
          run = last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId();
        } else {
          assertThat(resource).isEqualTo(ROUND_TRIP_HOME);
        }
      }
    }
  }

  private static void write(ProtectionHarness h, String resource) throws Exception {
    String json =
        h.client
            .fetchHistory(ProtectedItemWorkflow.workflowId(ProtectionHarness.ITEM))
            .toJson(true);
    assertThat(json).contains("WORKFLOW_EXECUTION_COMPLETED");
    Path file = Path.of("src/test/resources", resource);
    Files.createDirectories(file.getParent());
    Files.writeString(file, json + "\n");
  }

  @Test
  void recordProtectTwoCyclesPlannedFailover() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness()) {
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      h.skip(Duration.ofSeconds(ProtectionHarness.COPY_FREQUENCY_SECONDS * 2L + 5));
      h.awaitStatus(wf, s -> s.lastAppliedSeq() == 3, "two delta cycles");
      wf.failover(new FailoverRequest("job-failover", "planned", "latest"));
      WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);

      String json =
          h.client
              .fetchHistory(ProtectedItemWorkflow.workflowId(ProtectionHarness.ITEM))
              .toJson(true);
      assertThat(json).contains("WORKFLOW_EXECUTION_COMPLETED");
      Path file = Path.of("src/test/resources", PROTECT_TWO_CYCLES_FAILOVER);
      Files.createDirectories(file.getParent());
      Files.writeString(file, json + "\n");
    }
  }
}
