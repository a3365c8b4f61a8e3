package dev.haven.workflows.plans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The plan run's orchestration (R18) with mocked activities: fan-out, order, report. */
class RecoveryPlanWorkflowTest {
  static final String HISTORY = "histories/plan-two-groups-bounded-fan-out.json";
  static final String CLEANUP_HISTORY = "histories/plan-test-cleanup-reverse-groups.json";

  private final PlanHarness h = new PlanHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void R18_membersOfAGroupFailOverInParallelAtMostTwentyAtOnce() throws Exception {
    List<String> first = PlanHarness.vms("a", 45);
    List<String> second = PlanHarness.vms("b", 3);
    PlanSpec plan =
        new PlanSpec(
            "plan-1",
            "big",
            List.of(
                new PlanGroup("first", first, List.of(), List.of()),
                new PlanGroup("second", second, List.of(), List.of())));

    RecoveryPlanWorkflow run = h.stub("run-1");
    WorkflowClient.start(
        run::run,
        new PlanRunInput("run-1", "job-run", "planned", "primary-to-secondary", "latest", plan));

    // With every followed job held open, exactly MAX_PARALLEL failovers start and no more.
    awaitTrue(() -> h.following.get() == RecoveryPlanWorkflow.MAX_PARALLEL);
    Thread.sleep(1_000);
    assertThat(h.started).hasSize(RecoveryPlanWorkflow.MAX_PARALLEL);
    assertThat(run.report().groups().get(0).members())
        .filteredOn(m -> m.state().equals("running"))
        .hasSize(RecoveryPlanWorkflow.MAX_PARALLEL);
    h.gate.countDown();
    PlanRunResult result = WorkflowStub.fromTyped(run).getResult(PlanRunResult.class);

    assertThat(result.state()).isEqualTo("succeeded");
    assertThat(h.mostFollowed.get()).isEqualTo(RecoveryPlanWorkflow.MAX_PARALLEL);
    assertThat(h.started).hasSize(48);
    // The second group starts only after every member of the first ended.
    assertThat(h.started.subList(0, 45)).allMatch(item -> item.startsWith("item-a"));
    assertThat(h.started.subList(45, 48)).allMatch(item -> item.startsWith("item-b"));
    MemberReport member = result.report().groups().get(0).members().get(0);
    assertThat(member.state()).isEqualTo("succeeded");
    assertThat(member.recoveryPoint()).isEqualTo("rp-7");
    assertThat(member.dataLossWindowMillis()).isEqualTo(60_000L);
    assertThat(member.durationMillis()).isEqualTo(30_000L);
    assertThat(result.report().groups())
        .extracting(GroupReport::state)
        .containsExactly("succeeded", "succeeded");

    if (Boolean.getBoolean("haven.recordHistories")) {
      String json = h.client.fetchHistory(RecoveryPlanWorkflow.workflowId("run-1")).toJson(true);
      Path file = Path.of("src/test/resources", HISTORY);
      Files.createDirectories(file.getParent());
      Files.writeString(file, json + "\n");
    }
  }

  @Test
  void R27_testCleanupRunCleansGroupsUpInReverseOrderWithTheVerdictAndNoActions() throws Exception {
    PlanAction quiesce =
        new PlanAction(
            "quiesce",
            PlanAction.SCRIPT,
            "host-1",
            "127.0.0.1:1",
            "q.sh",
            List.of(),
            30,
            null,
            PlanAction.ABORT);
    PlanSpec plan =
        new PlanSpec(
            "plan-2",
            "drill",
            List.of(
                new PlanGroup("db", List.of("a1", "a2"), List.of(quiesce), List.of()),
                new PlanGroup("web", List.of("b1"), List.of(), List.of(quiesce))));
    h.gate.countDown();

    RecoveryPlanWorkflow run = h.stub("run-2");
    WorkflowClient.start(
        run::run,
        new PlanRunInput(
            "run-2",
            "job-clean",
            PlanRunInput.TEST_CLEANUP,
            "primary-to-secondary",
            "latest",
            plan,
            "passed",
            "all good"));
    PlanRunResult result = WorkflowStub.fromTyped(run).getResult(PlanRunResult.class);

    assertThat(result.state()).isEqualTo("succeeded");
    // The last group is cleaned up first; no action runs, none is in the report.
    assertThat(h.started.get(0)).isEqualTo("item-b1");
    assertThat(h.started.subList(1, 3)).containsExactlyInAnyOrder("item-a1", "item-a2");
    org.mockito.Mockito.verify(h.plans, org.mockito.Mockito.never()).runScript(any());
    org.mockito.Mockito.verify(h.plans, org.mockito.Mockito.never()).startFailover(any());
    assertThat(h.cleanups)
        .allSatisfy(
            c -> {
              assertThat(c.verdict()).isEqualTo("passed");
              assertThat(c.notes()).isEqualTo("all good");
            });
    assertThat(result.report().type()).isEqualTo(PlanRunInput.TEST_CLEANUP);
    assertThat(result.report().groups()).allSatisfy(g -> assertThat(g.pre()).isEmpty());
    assertThat(result.report().groups()).allSatisfy(g -> assertThat(g.post()).isEmpty());
    assertThat(result.report().groups().get(1).endedAt())
        .isLessThanOrEqualTo(result.report().groups().get(0).startedAt());

    if (Boolean.getBoolean("haven.recordHistories")) {
      String json = h.client.fetchHistory(RecoveryPlanWorkflow.workflowId("run-2")).toJson(true);
      Path file = Path.of("src/test/resources", CLEANUP_HISTORY);
      Files.createDirectories(file.getParent());
      Files.writeString(file, json + "\n");
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    for (int i = 0; i < 600 && !condition.getAsBoolean(); i++) {
      Thread.sleep(50);
    }
    assertThat(condition.getAsBoolean()).as("condition within 30 s").isTrue();
  }
}
