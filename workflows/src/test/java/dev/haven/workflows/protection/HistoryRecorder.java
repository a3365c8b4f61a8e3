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
