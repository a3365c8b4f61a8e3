package dev.haven.activities.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.store.HavenStore;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.JobStep;
import dev.haven.store.Pairing;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPoint;
import dev.haven.store.RecoveryPointDao;
import dev.haven.store.Site;
import dev.haven.store.StoreSeeder;
import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.activities.StoreActivities.Ack;
import dev.haven.workflows.activities.StoreActivities.CycleRecord;
import dev.haven.workflows.activities.StoreActivities.ItemRef;
import dev.haven.workflows.activities.StoreActivities.ItemUpdate;
import dev.haven.workflows.activities.StoreActivities.JobStateUpdate;
import dev.haven.workflows.activities.StoreActivities.JobStepUpdate;
import dev.haven.workflows.activities.StoreActivities.RecoveryPointRecord;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreActivitiesImplTest {
  private static final long HOUR = 3_600_000L;

  @TempDir Path dir;
  Jdbi jdbi;
  StoreActivitiesImpl activities;
  ProtectedItem item;

  @BeforeEach
  void setUp() {
    jdbi = HavenStore.open("jdbc:h2:file:" + dir.resolve("haven"), "sa", "");
    activities = new StoreActivitiesImpl(jdbi);
    StoreSeeder seeder = new StoreSeeder(jdbi);
    Site primary = seeder.ensureSite("primary", "onprem");
    Site secondary = seeder.ensureSite("secondary", "onprem");
    String source = seeder.ensureHost(primary.id(), "p1", "127.0.0.1:1").id();
    String target = seeder.ensureHost(secondary.id(), "s1", "127.0.0.1:2").id();
    Pairing pairing = seeder.ensureDefaultPairing(primary.id(), secondary.id());
    String id = Ids.next("item");
    item =
        new ProtectedItem(
            id,
            "vm-1",
            pairing.id(),
            source,
            target,
            null,
            "enabling",
            "normal",
            null,
            null,
            null,
            null,
            primary.id(),
            "protect/" + id,
            1_000L,
            1_000L);
    jdbi.onDemand(ProtectedItemDao.class).insert(item);
  }

  private ProtectedItem stored() {
    return jdbi.onDemand(ProtectedItemDao.class).find(item.id()).orElseThrow();
  }

  private ItemUpdate update(String state, String replicaVmId, Long seq, String error, long at) {
    return new ItemUpdate(item.id(), state, null, replicaVmId, seq, null, null, error, null, at);
  }

  @Test
  void R14_nullFieldsOfAnItemUpdateLeaveStoredValues() {
    activities.recordItem(
        new ItemUpdate(
            item.id(), "protected", "warning", "vm-r", 4L, 9_000L, 512L, "slow", "site-x", 2_000L));

    Ack ack = activities.recordItem(update(null, null, 5L, null, 3_000L));

    assertThat(ack.written()).isTrue();
    ProtectedItem now = stored();
    assertThat(now.state()).isEqualTo("protected");
    assertThat(now.health()).isEqualTo("warning");
    assertThat(now.replicaVmId()).isEqualTo("vm-r");
    assertThat(now.lastAppliedSeq()).isEqualTo(5L);
    assertThat(now.lastRecoveryPointAt()).isEqualTo(9_000L);
    assertThat(now.pendingBytes()).isEqualTo(512L);
    assertThat(now.lastError()).isEqualTo("slow");
    assertThat(now.activeSiteId()).isEqualTo("site-x");
    assertThat(now.updatedAt()).isEqualTo(3_000L);
  }

  @Test
  void R14_anEmptyLastErrorClearsTheStoredOne() {
    activities.recordItem(update("error", null, null, "agent unreachable", 2_000L));
    assertThat(stored().lastError()).isEqualTo("agent unreachable");

    activities.recordItem(update("protected", null, null, "", 3_000L));

    assertThat(stored().lastError()).isNull();
  }

  @Test
  void R14_recordingTheSameItemUpdateTwiceLeavesTheSameRow() {
    ItemUpdate u = update("initial-replication", "vm-r", 0L, null, 2_000L);
    activities.recordItem(u);
    ProtectedItem once = stored();

    activities.recordItem(u);

    assertThat(stored()).isEqualTo(once);
  }

  @Test
  void R10_anItemInAFinalStateReleasesItsVm() {
    activities.recordItem(update("disabled", null, null, null, 2_000L));

    assertThat(jdbi.onDemand(ProtectedItemDao.class).findActiveByVm("vm-1")).isEmpty();
    assertThat(jdbi.onDemand(ProtectedItemDao.class).listUnfinished()).isEmpty();
  }

  @Test
  void R14_writesAboutUnknownItemsOrBadSpellingsAreRefused() {
    assertThat(
            activities
                .recordItem(
                    new ItemUpdate(
                        "item-none", "protected", null, null, null, null, null, null, null, 1L))
                .written())
        .isFalse();
    assertThatThrownBy(() -> activities.recordItem(update("sleeping", null, null, null, 1L)))
        .isInstanceOf(ApplicationFailure.class)
        .satisfies(e -> assertThat(((ApplicationFailure) e).isNonRetryable()).isTrue());
    assertThat(
            activities
                .recordRecoveryPoint(new RecoveryPointRecord("item-none", 1, 1L, false))
                .written())
        .isFalse();
  }

  @Test
  void R25_reverseDirectionSwapsVmAndHostsAndForgetsTheOldReplicasPoints() {
    activities.recordRecoveryPoint(new RecoveryPointRecord(item.id(), 1, 50_000L, false));

    var ack =
        activities.recordDirection(
            new StoreActivities.DirectionUpdate(
                item.id(), "vm-b", "vm-1", item.targetHostId(), item.sourceHostId(), 60_000L));

    assertThat(ack.written()).isTrue();
    ProtectedItem reversed = stored();
    assertThat(reversed.vmId()).isEqualTo("vm-b");
    assertThat(reversed.replicaVmId()).isEqualTo("vm-1");
    assertThat(reversed.sourceHostId()).isEqualTo(item.targetHostId());
    assertThat(reversed.targetHostId()).isEqualTo(item.sourceHostId());
    assertThat(jdbi.onDemand(ProtectedItemDao.class).findActiveByVm("vm-b")).isPresent();
    assertThat(jdbi.onDemand(RecoveryPointDao.class).listNewestFirst(item.id())).isEmpty();
    // The new direction's first point, sequence 1 again, is recorded.
    assertThat(
            activities
                .recordRecoveryPoint(new RecoveryPointRecord(item.id(), 1, 70_000L, false))
                .written())
        .isTrue();
    assertThat(
            activities
                .recordDirection(
                    new StoreActivities.DirectionUpdate("no-such", "a", "b", "c", "d", 1L))
                .written())
        .isFalse();
  }

  @Test
  void R20_afterAFreshStartTheOldPointsAreForgottenAndTheNewOnesWithTheSameSeqAreRecorded() {
    activities.recordRecoveryPoint(new RecoveryPointRecord(item.id(), 1, 50_000L, false));
    activities.recordRecoveryPoint(new RecoveryPointRecord(item.id(), 2, 60_000L, false));

    assertThat(activities.forgetRecoveryPoints(new ItemRef(item.id())).written()).isTrue();
    RecoveryPointDao points = jdbi.onDemand(RecoveryPointDao.class);
    assertThat(points.listNewestFirst(item.id())).isEmpty();
    // The new numbering starts at 1 again; without the forgetting this point would be dropped.
    assertThat(
            activities
                .recordRecoveryPoint(new RecoveryPointRecord(item.id(), 1, 90_000L, false))
                .written())
        .isTrue();
    assertThat(points.listNewestFirst(item.id()))
        .containsExactly(new RecoveryPoint(item.id(), 1, "rp-1", 90_000L, false));
    assertThat(activities.forgetRecoveryPoints(new ItemRef("item-none")).written()).isFalse();
  }

  @Test
  void R13_recordingTheSameRecoveryPointTwiceIsHarmless() {
    RecoveryPointRecord point = new RecoveryPointRecord(item.id(), 3, 50_000L, true);

    assertThat(activities.recordRecoveryPoint(point).written()).isTrue();
    assertThat(activities.recordRecoveryPoint(point).written()).isFalse();

    RecoveryPointDao points = jdbi.onDemand(RecoveryPointDao.class);
    assertThat(points.listNewestFirst(item.id()))
        .containsExactly(new RecoveryPoint(item.id(), 3, "rp-3", 50_000L, true));
    assertThat(stored().lastRecoveryPointAt()).isEqualTo(50_000L);
  }

  @Test
  void R13_aCycleRecordsItsPointAndTheItemsStatusTogetherAndTwiceIsHarmless() {
    ItemUpdate status =
        new ItemUpdate(
            item.id(), "protected", "normal", null, 7L, 70_000L, 4096L, null, null, 71_000L);
    CycleRecord cycle =
        new CycleRecord(status, new RecoveryPointRecord(item.id(), 7, 70_000L, false));

    assertThat(activities.recordCycle(cycle).written()).isTrue();
    assertThat(activities.recordCycle(cycle).written()).isTrue();

    assertThat(jdbi.onDemand(RecoveryPointDao.class).listNewestFirst(item.id()))
        .extracting(RecoveryPoint::seq)
        .containsExactly(7L);
    ProtectedItem stored = stored();
    assertThat(stored.state()).isEqualTo("protected");
    assertThat(stored.lastAppliedSeq()).isEqualTo(7L);
    assertThat(stored.lastRecoveryPointAt()).isEqualTo(70_000L);
    assertThat(stored.pendingBytes()).isEqualTo(4096L);
  }

  @Test
  void R13_aCycleWithoutAPointRecordsTheStatusOnly() {
    ItemUpdate status =
        new ItemUpdate(
            item.id(), "protected", "warning", null, null, null, 0L, "NetworkError: x", null, 2L);

    activities.recordCycle(new CycleRecord(status, null));

    assertThat(jdbi.onDemand(RecoveryPointDao.class).count(item.id())).isZero();
    assertThat(stored().health()).isEqualTo("warning");
    assertThat(stored().lastError()).isEqualTo("NetworkError: x");
  }

  @Test
  void R13_aCycleWhosePointNamesAnotherItemChangesNothing() {
    ItemUpdate status =
        new ItemUpdate(item.id(), "protected", "normal", null, 1L, 1L, 0L, null, null, 2L);
    CycleRecord mismatched =
        new CycleRecord(status, new RecoveryPointRecord("item-other", 1, 1L, false));

    assertThatThrownBy(() -> activities.recordCycle(mismatched))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("item-other");
    assertThat(stored().state()).isEqualTo("enabling");
    assertThat(jdbi.onDemand(RecoveryPointDao.class).count(item.id())).isZero();
  }

  @Test
  void R9_recoveryPointsOlderThanTheRetentionAreDropped() {
    // The default policy keeps 24 hours of recovery points.
    long t0 = 100 * HOUR;
    activities.recordRecoveryPoint(new RecoveryPointRecord(item.id(), 1, t0, false));
    activities.recordRecoveryPoint(new RecoveryPointRecord(item.id(), 2, t0 + 2 * HOUR, false));

    activities.recordRecoveryPoint(new RecoveryPointRecord(item.id(), 3, t0 + 25 * HOUR, false));

    assertThat(jdbi.onDemand(RecoveryPointDao.class).listNewestFirst(item.id()))
        .extracting(RecoveryPoint::id)
        .containsExactly("rp-3", "rp-2");
  }

  private Job newJob(String id) {
    Job job = new Job(id, "enable-protection", item.id(), "queued", 1_000L, null, null, "w", null);
    jdbi.onDemand(JobDao.class).insert(job);
    return job;
  }

  @Test
  void R28_jobStepsAreRecordedAsTheyHappen() {
    newJob("job-1");
    activities.recordJobStep(new JobStepUpdate("job-1", "prepare-replica", "running", 10L, null));
    activities.recordJobStep(new JobStepUpdate("job-1", "prepare-replica", "succeeded", 20L, null));
    activities.recordJobStep(new JobStepUpdate("job-1", "copy-disks", "running", 30L, null));
    activities.recordJobStep(new JobStepUpdate("job-1", "copy-disks", "failed", 40L, "timeout"));
    // A retried activity repeats its write; a retried step runs again and keeps its first start.
    activities.recordJobStep(new JobStepUpdate("job-1", "copy-disks", "failed", 40L, "timeout"));
    activities.recordJobStep(new JobStepUpdate("job-1", "copy-disks", "running", 50L, null));

    JobDao jobs = jdbi.onDemand(JobDao.class);
    assertThat(jobs.steps("job-1"))
        .containsExactly(
            new JobStep("job-1", "prepare-replica", 0, "succeeded", 10L, 20L, null),
            new JobStep("job-1", "copy-disks", 1, "running", 30L, null, null));
    Job job = jobs.find("job-1").orElseThrow();
    assertThat(job.state()).isEqualTo("running");
    assertThat(job.startedAt()).isEqualTo(10L);
    assertThat(activities.recordJobStep(new JobStepUpdate("job-x", "a", "running", 1L, null)))
        .isEqualTo(new Ack(false));
  }

  @Test
  void R28_jobStateTransitionsSetStartAndEndTimes() {
    newJob("job-2");
    JobDao jobs = jdbi.onDemand(JobDao.class);

    activities.recordJobState(new JobStateUpdate("job-2", "running", 100L, null));
    assertThat(jobs.find("job-2").orElseThrow())
        .extracting(Job::state, Job::startedAt, Job::endedAt)
        .containsExactly("running", 100L, null);

    activities.recordJobState(new JobStateUpdate("job-2", "waiting", 150L, null));
    activities.recordJobState(new JobStateUpdate("job-2", "failed", 200L, "replica lost"));
    activities.recordJobState(new JobStateUpdate("job-2", "failed", 200L, "replica lost"));

    Job failed = jobs.find("job-2").orElseThrow();
    assertThat(failed)
        .extracting(Job::state, Job::startedAt, Job::endedAt, Job::error)
        .containsExactly("failed", 100L, 200L, "replica lost");
    Ack late = activities.recordJobState(new JobStateUpdate("job-2", "running", 300L, null));
    assertThat(late.written()).isFalse();
    assertThat(jobs.find("job-2").orElseThrow()).isEqualTo(failed);
  }

  @Test
  void R28_aJobThatEndsWithoutRunningGetsBothTimes() {
    newJob("job-3");

    activities.recordJobState(new JobStateUpdate("job-3", "cancelled", 70L, null));

    assertThat(jdbi.onDemand(JobDao.class).find("job-3").orElseThrow())
        .extracting(Job::startedAt, Job::endedAt)
        .containsExactly(70L, 70L);
    assertThatThrownBy(
            () -> activities.recordJobState(new JobStateUpdate("job-3", "done", 80L, null)))
        .isInstanceOf(ApplicationFailure.class);
  }
}
