package dev.haven.workflows.protection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.when;

import dev.haven.workflows.activities.AgentActivities.CycleResult;
import dev.haven.workflows.activities.AgentActivities.DiskResynced;
import dev.haven.workflows.activities.AgentActivities.RecoveryPolicyInput;
import dev.haven.workflows.activities.AgentActivities.ResyncDiskInput;
import dev.haven.workflows.activities.AgentActivities.ResyncStatus;
import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.activities.StoreActivities.ItemPolicy;
import dev.haven.workflows.activities.StoreActivities.JobOpen;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * R15's orchestration on the time-skipping test server: an item is marked resync-required when the
 * source reports a broken chain or when pending logs reach half its disks; the marked resync runs
 * by itself when the policy's window opens in the policy's zone, or at once by hand; afterwards
 * delta cycles resume. R9: the policy's retention reaches the agents.
 */
class ResyncWorkflowTest {
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  /** Monday 23 November 2026, 09:59 in New York: office hours. */
  static final Instant MONDAY_0959 =
      ZonedDateTime.of(2026, 11, 23, 9, 59, 0, 0, NEW_YORK).toInstant();

  static final long DISK_BYTES = 3L << 30;
  static final String REASON = "change log 2 of disk 'd1' is missing (deleted outside Haven?)";

  /** A source that refuses cycles with a broken chain until a resync of every disk ran. */
  static final class BrokenChain {
    final AtomicBoolean broken = new AtomicBoolean(false);
    final List<Long> resyncedAtMillis = new CopyOnWriteArrayList<>();
    final AtomicLong pending = new AtomicLong();

    void install(ProtectionHarness h) {
      when(h.agent.resyncStatus(any()))
          .thenAnswer(
              inv ->
                  new ResyncStatus(
                      broken.get(),
                      broken.get() ? REASON : "",
                      pending.get(),
                      DISK_BYTES,
                      List.of("d1", "d2")));
      doAnswer(
              inv -> {
                if (broken.get()) {
                  throw ApplicationFailure.newNonRetryableFailure(
                      "item 'item-1' needs a resync: " + REASON, "ReplicaInvalidState");
                }
                long seq = h.seq.incrementAndGet();
                return new CycleResult(seq, seq, 4096, 1_700_000_000_000L + seq, pending.get());
              })
          .when(h.agent)
          .replicateCycle(any());
      when(h.agent.resyncDisk(any()))
          .thenAnswer(
              inv -> {
                ResyncDiskInput in = inv.getArgument(0);
                resyncedAtMillis.add(h.env.currentTimeMillis());
                if (in.diskId().equals("d2")) {
                  broken.set(false);
                  pending.set(0);
                }
                return new DiskResynced(in.diskId(), 16384, 20, 20L << 16, (20L << 16) + 900, 7);
              });
    }
  }

  static ItemPolicy policy(String window, int retentionHours) {
    return new ItemPolicy(
        "pol-1", 60, retentionHours, 1, window, "America/New_York", false, "keep");
  }

  private static ProtectedItemWorkflow protectThenBreak(ProtectionHarness h, BrokenChain chain) {
    chain.install(h);
    ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
    h.awaitState(wf, ItemState.PROTECTED);
    chain.broken.set(true);
    h.skip(Duration.ofSeconds(61)); // the next cycle, at 10:00, meets the broken chain
    return wf;
  }

  @Test
  void R15_markedAtTenOnAWeekdayTheResyncRunsAtSixInThePolicysZone() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness(MONDAY_0959)) {
      when(h.store.itemPolicy(any())).thenReturn(policy("outside-office-hours", 24));
      BrokenChain chain = new BrokenChain();
      ProtectedItemWorkflow wf = protectThenBreak(h, chain);

      ItemStatus marked = h.awaitState(wf, ItemState.RESYNC_REQUIRED);
      assertThat(marked.health()).isEqualTo(Health.WARNING);
      assertThat(marked.lastError()).isEqualTo(REASON);
      assertThat(h.items()).anyMatch(u -> "resync-required".equals(u.state()));

      h.skip(Duration.ofHours(7).plusMinutes(50)); // 17:50 in New York: still office hours
      assertThat(wf.status().state()).isEqualTo(ItemState.RESYNC_REQUIRED);
      assertThat(chain.resyncedAtMillis).isEmpty();
      long cyclesWhileMarked = h.cycles();

      h.skip(Duration.ofMinutes(15));
      h.awaitState(wf, ItemState.PROTECTED);
      ZonedDateTime ran = Instant.ofEpochMilli(chain.resyncedAtMillis.get(0)).atZone(NEW_YORK);
      assertThat(ran.toLocalDate()).isEqualTo(java.time.LocalDate.of(2026, 11, 23));
      assertThat(ran.getHour()).isEqualTo(18);
      assertThat(ran.getMinute()).isZero();
      assertThat(h.calls(h.agent, "resyncDisk", ResyncDiskInput.class))
          .extracting(ResyncDiskInput::diskId)
          .containsExactly("d1", "d2");

      // It ran as a job of its own, linked to the workflow, with a step per disk.
      JobOpen job = resyncJobs(h).get(0);
      assertThat(job.type()).isEqualTo("resync");
      assertThat(job.workflowId()).isEqualTo(ProtectedItemWorkflow.workflowId("item-1"));
      assertThat(h.stepsOf(job.jobId()))
          .containsExactly(
              "check-source:running",
              "check-source:succeeded",
              "resync-disk d1:running",
              "resync-disk d1:succeeded",
              "resync-disk d2:running",
              "resync-disk d2:succeeded",
              "resume-delta-replication:running",
              "resume-delta-replication:succeeded");
      assertThat(h.jobStates(job.jobId()).get(h.jobStates(job.jobId()).size() - 1).state())
          .isEqualTo("succeeded");

      // Delta replication goes on at the copy frequency, and health is normal again.
      long after = h.cycles();
      assertThat(after).isGreaterThan(cyclesWhileMarked);
      h.skip(Duration.ofSeconds(61));
      h.awaitStatus(wf, s -> h.cycles() > after, "a delta cycle after the resync");
      ItemStatus status = wf.status();
      assertThat(status.state()).isEqualTo(ItemState.PROTECTED);
      assertThat(status.health()).isEqualTo(Health.NORMAL);
    }
  }

  @Test
  void R15_resyncByHandRunsAtOnceInOfficeHoursAndClearsTheMark() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness(MONDAY_0959)) {
      when(h.store.itemPolicy(any())).thenReturn(policy("outside-office-hours", 24));
      BrokenChain chain = new BrokenChain();
      ProtectedItemWorkflow wf = protectThenBreak(h, chain);
      h.awaitState(wf, ItemState.RESYNC_REQUIRED);
      long markedAt = h.env.currentTimeMillis();

      UpdateAccepted accepted = wf.resync(new LifecycleRequest("job-resync", false));

      assertThat(accepted.jobId()).isEqualTo("job-resync");
      h.awaitState(wf, ItemState.PROTECTED);
      assertThat(chain.resyncedAtMillis.get(0) - markedAt).isLessThan(60_000);
      assertThat(h.stepsOf("job-resync")).contains("resync-disk d2:succeeded");
      assertThat(h.jobStates("job-resync"))
          .extracting(StoreActivities.JobStateUpdate::state)
          .containsExactly("running", "succeeded");
      assertThat(resyncJobs(h)).isEmpty();
    }
  }

  @Test
  void R15_aResyncClearsANonRecoverableErrorAndTheValidatorNamesTheState() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness(MONDAY_0959)) {
      BrokenChain chain = new BrokenChain();
      chain.install(h);
      // The source refuses non-recoverably but does not ask for a resync: state error.
      doAnswer(
              inv -> {
                if (chain.broken.get()) {
                  throw ApplicationFailure.newNonRetryableFailure(
                      "replica is in an invalid state", "ReplicaInvalidState");
                }
                long seq = h.seq.incrementAndGet();
                return new CycleResult(seq, seq, 4096, 1_700_000_000_000L + seq, 0);
              })
          .when(h.agent)
          .replicateCycle(any());
      when(h.agent.resyncStatus(any()))
          .thenReturn(new ResyncStatus(false, "", 0, DISK_BYTES, List.of("d1", "d2")));
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      wf.pause(new LifecycleRequest("job-pause", false));
      h.awaitState(wf, ItemState.PAUSED);
      ProtectionHarness.awaitTrue(
          () -> h.jobStates("job-pause").stream().anyMatch(u -> u.state().equals("succeeded")),
          "the pause job's end");
      assertThatThrownBy(() -> wf.resync(new LifecycleRequest("job-no", false)))
          .isInstanceOf(WorkflowUpdateException.class)
          .rootCause()
          .hasMessageContaining(
              "resync is not allowed while the item is in state paused; it is allowed in state"
                  + " protected, resync-required or error");
      wf.resume(new LifecycleRequest("job-resume", false));
      h.awaitState(wf, ItemState.PROTECTED);
      chain.broken.set(true);
      h.skip(Duration.ofSeconds(61));
      assertThat(h.awaitState(wf, ItemState.ERROR).health()).isEqualTo(Health.CRITICAL);

      wf.resync(new LifecycleRequest("job-resync", false));

      ItemStatus status = h.awaitState(wf, ItemState.PROTECTED);
      assertThat(status.health()).isEqualTo(Health.NORMAL);
      h.skip(Duration.ofSeconds(61));
      long cycles = h.cycles();
      h.skip(Duration.ofSeconds(61));
      h.awaitStatus(wf, s -> h.cycles() > cycles, "cycles to run again after the resync");
    }
  }

  @Test
  void R15_aResyncInterruptedByARestartRunsAgainAndDeltaReplicationResumes() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness(MONDAY_0959)) {
      when(h.store.itemPolicy(any())).thenReturn(policy("anytime", 24));
      BrokenChain chain = new BrokenChain();
      chain.install(h);
      chain.broken.set(true);
      // The worker's Temporal restarted (or the run continued as new) while the item resynced.
      ProtectedItemWorkflow wf =
          h.start(ProtectionHarness.resumeInput(ItemState.RESYNCHRONIZING, 5));

      ItemStatus status = h.awaitState(wf, ItemState.PROTECTED);

      assertThat(status.health()).isEqualTo(Health.NORMAL);
      assertThat(h.items()).anyMatch(u -> "resync-required".equals(u.state()));
      assertThat(h.calls(h.agent, "resyncDisk", ResyncDiskInput.class))
          .extracting(ResyncDiskInput::diskId)
          .containsExactly("d1", "d2");
      assertThat(resyncJobs(h)).hasSize(1);
      long cycles = h.cycles();
      h.skip(Duration.ofSeconds(61));
      h.awaitStatus(wf, s -> h.cycles() > cycles, "a delta cycle after the resync");
    }
  }

  @Test
  void R15_pendingLogsReachingHalfTheDisksMarkTheItem() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness(MONDAY_0959)) {
      when(h.store.itemPolicy(any())).thenReturn(policy("manual", 24));
      BrokenChain chain = new BrokenChain();
      chain.install(h);
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      chain.pending.set(DISK_BYTES / 2 - 1);
      h.skip(Duration.ofSeconds(61));
      h.awaitStatus(wf, s -> s.pendingBytes() == DISK_BYTES / 2 - 1, "a cycle below half");
      assertThat(wf.status().state()).isEqualTo(ItemState.PROTECTED);

      chain.pending.set(DISK_BYTES / 2);
      h.skip(Duration.ofSeconds(61));

      ItemStatus marked = h.awaitState(wf, ItemState.RESYNC_REQUIRED);
      assertThat(marked.health()).isEqualTo(Health.WARNING);
      assertThat(marked.lastError()).contains("at least half").contains(Long.toString(DISK_BYTES));
      // A manual window never starts it by itself, even a week later.
      h.skip(Duration.ofDays(7));
      assertThat(wf.status().state()).isEqualTo(ItemState.RESYNC_REQUIRED);
      assertThat(chain.resyncedAtMillis).isEmpty();
    }
  }

  @Test
  void R9_retentionAndAppConsistentFrequencyReachTheAgents() throws Exception {
    try (ProtectionHarness h = new ProtectionHarness(MONDAY_0959)) {
      when(h.store.itemPolicy(any())).thenReturn(policy("anytime", 24));
      ProtectedItemWorkflow wf = h.start(ProtectionHarness.freshInput());
      h.awaitState(wf, ItemState.PROTECTED);
      ProtectionHarness.awaitTrue(
          () -> policyCalls(h).size() == 2, "the policy to reach both agents");
      assertThat(policyCalls(h))
          .containsExactly(
              new RecoveryPolicyInput(
                  "item-1", ProtectionHarness.TARGET.agentAddress(), 24 * 3_600_000L, 3_600_000L),
              new RecoveryPolicyInput(
                  "item-1", ProtectionHarness.SOURCE.agentAddress(), 24 * 3_600_000L, 3_600_000L));

      // Only the copy frequency changes: nothing to send.
      wf.updatePolicy(new PolicySettings("pol-1", 30, 24, 1, "anytime", "UTC", "keep"));
      assertThat(policyCalls(h)).hasSize(2);
      // The retention changes: both agents hear of it before the Update completes.
      wf.updatePolicy(new PolicySettings("pol-1", 30, 48, 2, "anytime", "UTC", "keep"));
      assertThat(policyCalls(h).subList(2, 4))
          .extracting(RecoveryPolicyInput::retentionMillis, RecoveryPolicyInput::agentAddress)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  48 * 3_600_000L, ProtectionHarness.TARGET.agentAddress()),
              org.assertj.core.groups.Tuple.tuple(
                  48 * 3_600_000L, ProtectionHarness.SOURCE.agentAddress()));
    }
  }

  /** The jobs that the workflow opened by itself for a resync. */
  private static List<JobOpen> resyncJobs(ProtectionHarness h) {
    return ProtectionHarness.calls(h.store, "openJob", JobOpen.class).stream()
        .filter(j -> j.type().equals("resync"))
        .toList();
  }

  private static List<RecoveryPolicyInput> policyCalls(ProtectionHarness h) {
    return ProtectionHarness.calls(h.agent, "setRecoveryPolicy", RecoveryPolicyInput.class);
  }
}
