package dev.haven.workflows.protection;

import static dev.haven.workflows.protection.ProtectionHarness.REPLICA;
import static dev.haven.workflows.protection.ProtectionHarness.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;

import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.activities.AgentActivities.VmDeleted;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retries by error class (R16), health (R14), policy changes (R9) and pause/resume/disable. */
class LifecycleWorkflowTest {
  private final ProtectionHarness h = new ProtectionHarness();

  @AfterEach
  void close() {
    h.close();
  }

  /** Makes the cycle mock fail on the given call numbers (1-based), recording each call's time. */
  private List<Long> cycleFailsOn(Set<Integer> failing, String type, boolean recoverable) {
    List<Long> times = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    doAnswer(
            inv -> {
              int n = calls.incrementAndGet();
              times.add(h.env.currentTimeMillis());
              if (failing.contains(n)) {
                throw recoverable
                    ? ApplicationFailure.newFailure("peer unreachable", type)
                    : ApplicationFailure.newNonRetryableFailure("log 7 is missing", type);
              }
              return ProtectionHarness.cycleResult(h.seq.incrementAndGet());
            })
        .when(h.agent)
        .replicateCycle(any());
    return times;
  }

  private static List<Long> gapsInSeconds(List<Long> times, int count) {
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      // Rounded: cycles keep a fixed rate in the workflow's clock, so the activity sees them a
      // copy frequency apart give or take how long each took to be dispatched.
      gaps.add(Math.round((times.get(i) - times.get(i - 1)) / 1000.0));
    }
    return gaps;
  }

  @Test
  void R16_recoverableErrorsBackOff1_2_4_8_10ThenEvery30Minutes() {
    // Call 1 is finalize, 2 the first delta cycle; 3..9 fail, 10 succeeds, 11 fails, 12 succeeds.
    List<Long> times = cycleFailsOn(Set.of(3, 4, 5, 6, 7, 8, 9, 11), "NetworkError", true);
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    h.skip(Duration.ofHours(2));
    ProtectionHarness.awaitTrue(() -> times.size() >= 12, "twelve cycle attempts");

    assertThat(gapsInSeconds(times, 11))
        .containsExactly(
            60L, 60L, // the copy frequency, before anything failed (finalize, cycle 2, cycle 3)
            60L, 120L, 240L, 480L, 600L, // 1, 2, 4, 8, 10 minutes after the first failure
            1800L, 1800L, // then every 30 minutes, until one attempt succeeds
            60L, // the success reset the schedule: the copy frequency again
            60L); // and the next failure starts over at 1 minute
    assertThat(wf.status().state()).isEqualTo(ItemState.PROTECTED);
    assertThat(h.items())
        .anySatisfy(
            u -> {
              assertThat(u.health()).isEqualTo("warning");
              assertThat(u.lastError()).startsWith("NetworkError: peer unreachable");
            });
  }

  @Test
  void R16_nonRecoverableCycleErrorHaltsCyclesCriticalUntilResume() {
    List<Long> times = cycleFailsOn(Set.of(3), "VmNotFound", false);
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    h.skip(Duration.ofMinutes(5));
    ItemStatus halted = h.awaitState(wf, ItemState.ERROR);
    assertThat(halted.health()).isEqualTo(Health.CRITICAL);
    assertThat(halted.lastError()).isEqualTo("VmNotFound: log 7 is missing");
    h.skip(Duration.ofHours(1));
    assertThat(times).hasSize(3); // no retry

    assertThatThrownBy(() -> wf.pause(new LifecycleRequest("job-p", false)))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining(
            "pause is not allowed while the item is in state error; it is allowed in state"
                + " protected");
    wf.resume(new LifecycleRequest("job-r", false));
    ItemStatus resumed = h.awaitState(wf, ItemState.PROTECTED);
    assertThat(resumed.health()).isEqualTo(Health.NORMAL);
    assertThat(h.stepsOf("job-r"))
        .containsExactly("resume-replication:running", "resume-replication:succeeded");
    h.skip(Duration.ofMinutes(3));
    assertThat(times.size()).isGreaterThanOrEqualTo(6);
  }

  @Test
  void R14_healthWarnsWhenRpoExceedsTwiceTheFrequencyAndRecovers() {
    cycleFailsOn(Set.of(3, 4), "LowDisk", true);
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);
    h.skip(Duration.ofSeconds(61)); // cycle 2 ok
    h.skip(Duration.ofSeconds(60)); // cycle 3 fails: RPO 60 s, still normal
    h.skip(Duration.ofSeconds(60)); // cycle 4 fails a minute later: RPO 120 s, not above twice
    h.skip(Duration.ofSeconds(120)); // cycle 5 succeeds, but 2 of the 5 expected were missed
    assertThat(h.items().get(h.items().size() - 1).health()).isEqualTo("warning");
    h.skip(Duration.ofMinutes(20)); // 2 missed of 25 expected: under 20%
    List<String> healths = h.items().stream().map(u -> u.health()).toList();
    assertThat(healths).contains("warning");
    assertThat(healths.get(healths.size() - 1)).isEqualTo("normal");
  }

  @Test
  void R9_policyChangeReachesTheRunningItemFromTheNextCycle() {
    List<Long> times = cycleFailsOn(Set.of(), "", true);
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);
    h.skip(Duration.ofSeconds(61));
    ProtectionHarness.awaitTrue(() -> times.size() >= 2, "the first delta cycle");

    PolicyApplied applied =
        wf.updatePolicy(new PolicySettings("pol-1", 300, 24, 0, "anytime", "UTC", "keep"));
    assertThat(applied.copyFrequencySeconds()).isEqualTo(300);
    h.skip(Duration.ofMinutes(12));
    ProtectionHarness.awaitTrue(() -> times.size() >= 4, "cycles at the new frequency");
    // The cycle already waiting ran at 60 s; the ones after it at 300 s.
    assertThat(gapsInSeconds(times, 3).subList(1, 3)).containsExactly(60L, 300L);

    assertThatThrownBy(
            () -> wf.updatePolicy(new PolicySettings("pol-1", 2, 24, 0, "anytime", "UTC", "keep")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("copyFrequencySeconds must be at least 5; it is 2");
  }

  @Test
  void pauseStopsCyclesAndResumeShipsAtOnce() {
    List<Long> times = cycleFailsOn(Set.of(), "", true);
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    wf.pause(new LifecycleRequest("job-pause", false));
    h.awaitState(wf, ItemState.PAUSED);
    int before = times.size();
    h.skip(Duration.ofMinutes(10));
    assertThat(times).hasSize(before);
    assertThat(h.jobStates("job-pause"))
        .extracting("state")
        .containsExactly("running", "succeeded");

    wf.resume(new LifecycleRequest("job-resume", false));
    h.awaitState(wf, ItemState.PROTECTED);
    assertThat(times).hasSize(before + 1);
  }

  @Test
  void disableStopsBothSidesAndDeletesTheReplicaWhenThePolicySaysSo() {
    doAnswer(inv -> new VmDeleted(((DeleteVmInput) inv.getArgument(0)).vmId()))
        .when(h.agent)
        .deleteVm(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    wf.disable(new LifecycleRequest("job-off", true));
    ProtectionResult result = WorkflowStub.fromTyped(wf).getResult(ProtectionResult.class);

    assertThat(result.finalState()).isEqualTo(ItemState.DISABLED);
    assertThat(ProtectionHarness.calls(h.agent, "stopReplication", StopInput.class))
        .extracting(StopInput::agentAddress)
        .containsExactly(ProtectionHarness.SOURCE.agentAddress(), TARGET.agentAddress());
    assertThat(ProtectionHarness.calls(h.agent, "deleteVm", DeleteVmInput.class))
        .containsExactly(new DeleteVmInput(TARGET.agentAddress(), REPLICA));
    assertThat(h.stepsOf("job-off"))
        .containsExactly(
            "stop-replication-source:running",
            "stop-replication-source:succeeded",
            "stop-replication-target:running",
            "stop-replication-target:succeeded",
            "delete-replica:running",
            "delete-replica:succeeded");
    assertThat(h.items().get(h.items().size() - 1).state()).isEqualTo("disabled");
  }

  @Test
  void R28_failedDisableSaysWhichStepFailedAndKeepsTheItem() {
    doAnswer(
            inv -> {
              StopInput in = inv.getArgument(0);
              if (in.agentAddress().equals(TARGET.agentAddress())) {
                throw ApplicationFailure.newNonRetryableFailure(
                    "certificate refused", "AuthenticationFailed");
              }
              return new dev.haven.workflows.activities.AgentActivities.Stopped(in.itemId());
            })
        .when(h.agent)
        .stopReplication(any());
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);

    wf.disable(new LifecycleRequest("job-off", false));
    ProtectionHarness.awaitTrue(() -> h.jobStates("job-off").size() >= 2, "the job to end");

    assertThat(h.jobStates("job-off").get(1).state()).isEqualTo("failed");
    assertThat(h.jobStates("job-off").get(1).error())
        .isEqualTo(
            "step stop-replication-target failed: AuthenticationFailed: certificate refused."
                + " The item stays protected; fix the cause and disable again.");
    assertThat(wf.status().state()).isEqualTo(ItemState.PROTECTED);
  }
}
