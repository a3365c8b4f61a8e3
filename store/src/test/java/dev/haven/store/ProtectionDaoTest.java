package dev.haven.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtectionDaoTest {
  @TempDir Path dir;
  StoreFixture store;

  @BeforeEach
  void setUp() {
    store = new StoreFixture(dir);
  }

  @Test
  void R10_aVmIsProtectedByOneUnfinishedItemAtATime() {
    ProtectedItem first = store.item("vm-1", "enabling");
    ProtectedItemDao items = store.jdbi.onDemand(ProtectedItemDao.class);

    assertThat(items.findActiveByVm("vm-1")).contains(first);
    assertThatThrownBy(() -> store.item("vm-1", "enabling"))
        .isInstanceOf(UnableToExecuteStatementException.class);

    ProtectedItem disabled =
        new ProtectedItem(
            first.id(),
            first.vmId(),
            first.pairingId(),
            first.sourceHostId(),
            first.targetHostId(),
            null,
            "disabled",
            "normal",
            null,
            null,
            null,
            null,
            first.activeSiteId(),
            first.workflowId(),
            first.createdAt(),
            2_000L);
    items.updateStatus(disabled);

    assertThat(items.findActiveByVm("vm-1")).isEmpty();
    ProtectedItem second = store.item("vm-1", "enabling");
    assertThat(items.listUnfinished()).containsExactly(second);
    assertThat(items.list()).hasSize(2);
  }

  @Test
  void R14_itemStatusRoundTrips() {
    ProtectedItem item = store.item("vm-2", "enabling");
    ProtectedItemDao items = store.jdbi.onDemand(ProtectedItemDao.class);
    ProtectedItem status =
        new ProtectedItem(
            item.id(),
            item.vmId(),
            item.pairingId(),
            item.sourceHostId(),
            item.targetHostId(),
            "vm-replica",
            "protected",
            "warning",
            7L,
            5_000L,
            1024L,
            "slow link",
            item.activeSiteId(),
            item.workflowId(),
            item.createdAt(),
            6_000L);

    assertThat(items.updateStatus(status)).isEqualTo(1);

    assertThat(items.find(item.id())).contains(status);
    assertThat(items.advanceLastRecoveryPoint(item.id(), 4_000L)).isZero();
    assertThat(items.advanceLastRecoveryPoint(item.id(), 9_000L)).isEqualTo(1);
    assertThat(items.find(item.id()).orElseThrow().lastRecoveryPointAt()).isEqualTo(9_000L);
  }

  @Test
  void R13_recoveryPointsAreUniquePerSequenceAndListNewestFirst() {
    ProtectedItem item = store.item("vm-3", "protected");
    RecoveryPointDao points = store.jdbi.onDemand(RecoveryPointDao.class);

    assertThat(points.insertIfAbsent(new RecoveryPoint(item.id(), 1, "rp-1", 100L, false)))
        .isTrue();
    assertThat(points.insertIfAbsent(new RecoveryPoint(item.id(), 2, "rp-2", 200L, true))).isTrue();
    assertThat(points.insertIfAbsent(new RecoveryPoint(item.id(), 2, "rp-2", 999L, false)))
        .isFalse();

    assertThat(points.listNewestFirst(item.id()))
        .extracting(RecoveryPoint::id)
        .containsExactly("rp-2", "rp-1");
    assertThat(points.newest(item.id()).orElseThrow().appConsistent()).isTrue();
    assertThat(points.findById(item.id(), "rp-1")).isPresent();
    assertThat(points.deleteOlderThan(item.id(), 150L)).isEqualTo(1);
    assertThat(points.count(item.id())).isEqualTo(1);
  }

  @Test
  void R28_jobsAndStepsRoundTripAndFilter() {
    ProtectedItem item = store.item("vm-4", "enabling");
    JobDao jobs = store.jdbi.onDemand(JobDao.class);
    Job enable =
        new Job("job-1", "enable-protection", item.id(), "queued", 10L, null, null, "w", null);
    Job failover =
        new Job("job-2", "planned-failover", item.id(), "running", 20L, 21L, null, "w", null);
    jobs.insert(enable);
    jobs.insert(failover);
    jobs.insertStep(new JobStep("job-1", "prepare-replica", 0, "succeeded", 11L, 12L, null));
    jobs.insertStep(new JobStep("job-1", "copy-disks", 1, "running", 13L, null, null));

    assertThat(jobs.find("job-1")).contains(enable);
    assertThat(jobs.list(null, null, null, 10)).containsExactly(failover, enable);
    assertThat(jobs.list(item.id(), "queued", null, 10)).containsExactly(enable);
    assertThat(jobs.list(null, null, "planned-failover", 10)).containsExactly(failover);
    assertThat(jobs.list("item-none", null, null, 10)).isEmpty();
    assertThat(jobs.steps("job-1"))
        .extracting(JobStep::name)
        .containsExactly("prepare-replica", "copy-disks");
    assertThat(jobs.nextOrdinal("job-1")).isEqualTo(2);
    assertThat(jobs.nextOrdinal("job-2")).isZero();

    assertThat(jobs.delete("job-1")).isEqualTo(1);
    assertThat(jobs.steps("job-1")).isEmpty();
    assertThat(jobs.count()).isEqualTo(1);
  }
}
