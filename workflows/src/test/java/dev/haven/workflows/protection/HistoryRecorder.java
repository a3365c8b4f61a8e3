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
 * ./mvnw -pl workflows test -Dtest=HistoryRecorder -Dhaven.recordHistories=true}, from the module's
 * folder as Maven runs it.
 */
@EnabledIfSystemProperty(named = "haven.recordHistories", matches = "true")
class HistoryRecorder {
  static final String PROTECT_TWO_CYCLES_FAILOVER =
      "histories/protect-two-cycles-planned-failover.json";

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
