package dev.haven.workflows.protection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.when;

import dev.haven.workflows.model.ItemState;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.WorkflowReplayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The recorded history of R15's path (marked by a broken chain, resynced when the window opens,
 * delta cycles again, then disabled), replayed against today's code like {@link
 * HistoryReplayTest}'s. Record it again only for a change that is meant to be incompatible, with
 * {@code ./mvnw -pl workflows test -Dtest=ResyncHistoryTest#record -Dhaven.recordHistories=true}.
 */
class ResyncHistoryTest {
  static final String RESYNC_WINDOW = "histories/protect-resync-window-disable.json";

  @Test
  void replaysProtectResyncInWindowDisable() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        RESYNC_WINDOW, ProtectedItemWorkflowImpl.class);
  }

  @Test
  @EnabledIfSystemProperty(named = "haven.recordHistories", matches = "true")
  void record() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness(ResyncWorkflowTest.MONDAY_0959)) {
      when(h.store.itemPolicy(any()))
          .thenReturn(ResyncWorkflowTest.policy("outside-office-hours", 24));
      ResyncWorkflowTest.BrokenChain chain = new ResyncWorkflowTest.BrokenChain();
      chain.install(h);
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      chain.broken.set(true);
      h.skip(Duration.ofSeconds(61));
      h.awaitState(wf, ItemState.RESYNC_REQUIRED);
      h.skip(Duration.ofHours(8).plusMinutes(5));
      h.awaitState(wf, ItemState.PROTECTED);
      long cycles = h.cycles();
      h.skip(Duration.ofSeconds(61));
      h.awaitStatus(wf, s -> h.cycles() > cycles, "a cycle after the resync");
      wf.disable(new LifecycleRequest("job-disable", false));
      WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);
      String json =
          h.client
              .fetchHistory(ProtectedItemWorkflow.workflowId(ProtectionHarness.ITEM))
              .toJson(true);
      assertThat(json).contains("WORKFLOW_EXECUTION_COMPLETED").contains("ResyncDisk");
      Path file = Path.of("src/test/resources", RESYNC_WINDOW);
      Files.writeString(file, json + "\n");
    }
  }
}
