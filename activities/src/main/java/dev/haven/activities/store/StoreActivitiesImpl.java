package dev.haven.activities.store;

import dev.haven.store.Drill;
import dev.haven.store.DrillDao;
import dev.haven.store.Ids;
import dev.haven.store.PairingDao;
import dev.haven.store.PolicyDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPoint;
import dev.haven.store.RecoveryPointDao;
import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import io.temporal.failure.ApplicationFailure;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Writes workflow state into the store (R14, R28). Every write is idempotent, because Temporal
 * retries activities: null fields of an {@link ItemUpdate} leave stored values alone, a recovery
 * point recorded twice stays one row, job steps upsert by job and name, and a finished job is never
 * reopened. Writes about an item or a job that the store does not know answer {@code Ack(false)}.
 */
public final class StoreActivitiesImpl implements StoreActivities {
  /** Longest error text kept, the width of the error columns. */
  static final int MAX_ERROR_CHARS = 4000;

  private static final long HOUR_MILLIS = 3_600_000L;

  private final Jdbi jdbi;
  private final JobProjections jobs;

  public StoreActivitiesImpl(Jdbi jdbi) {
    this.jdbi = jdbi;
    this.jobs = new JobProjections(jdbi);
  }

  @Override
  public Ack recordDrill(DrillRecord r) {
    Drill drill =
        new Drill(
            r.jobId(),
            r.itemId(),
            r.testVmId(),
            r.pointId(),
            r.pointSeq(),
            r.startedAtMillis(),
            r.endedAtMillis(),
            r.durationMillis(),
            r.verdict(),
            r.notes(),
            r.cleanupJobId());
    return jdbi.inTransaction(
        h -> {
          if (h.attach(ProtectedItemDao.class).find(r.itemId()).isEmpty()) {
            return new Ack(false);
          }
          return new Ack(h.attach(DrillDao.class).record(drill));
        });
  }

  @Override
  public Ack recordItem(ItemUpdate update) {
    checkItem(update);
    return jdbi.inTransaction(h -> updateItem(h, update));
  }

  private static void checkItem(ItemUpdate update) {
    if (update.state() != null) {
      checkState(update.state());
    }
    if (update.health() != null) {
      checkHealth(update.health());
    }
  }

  private static Ack updateItem(Handle h, ItemUpdate update) {
    ProtectedItemDao items = h.attach(ProtectedItemDao.class);
    ProtectedItem item = items.find(update.itemId()).orElse(null);
    if (item == null) {
      return new Ack(false);
    }
    items.updateStatus(merge(item, update));
    return new Ack(true);
  }

  /**
   * The point first, then the status, in one transaction: the item's newest point and its status
   * never disagree, and a retry after a failure writes both again harmlessly.
   */
  @Override
  public Ack recordCycle(CycleRecord cycle) {
    checkItem(cycle.item());
    if (cycle.point() != null && !cycle.point().itemId().equals(cycle.item().itemId())) {
      throw invalid(
          "recovery point of item '"
              + cycle.point().itemId()
              + "' recorded with item '"
              + cycle.item().itemId()
              + "'");
    }
    try {
      return jdbi.inTransaction(h -> recordCycle(h, cycle));
    } catch (UnableToExecuteStatementException e) {
      // A concurrent twin won the point's primary key: the point is there, so write the rest.
      if (cycle.point() == null
          || jdbi.withExtension(
                  RecoveryPointDao.class,
                  d -> d.findBySeq(cycle.point().itemId(), cycle.point().seq()))
              .isEmpty()) {
        throw e;
      }
      return jdbi.inTransaction(h -> updateItem(h, cycle.item()));
    }
  }

  private static Ack recordCycle(Handle h, CycleRecord cycle) {
    if (cycle.point() != null) {
      recordPoint(h, cycle.point());
    }
    return updateItem(h, cycle.item());
  }

  /**
   * The item with every non-null field of {@code update} applied. An empty {@code lastError} clears
   * the stored error, since null means "leave it".
   */
  static ProtectedItem merge(ProtectedItem item, ItemUpdate update) {
    String lastError = item.lastError();
    if (update.lastError() != null) {
      lastError = update.lastError().isEmpty() ? null : truncate(update.lastError());
    }
    return new ProtectedItem(
        item.id(),
        item.vmId(),
        item.pairingId(),
        item.sourceHostId(),
        item.targetHostId(),
        orElse(update.replicaVmId(), item.replicaVmId()),
        orElse(update.state(), item.state()),
        orElse(update.health(), item.health()),
        orElse(update.lastAppliedSeq(), item.lastAppliedSeq()),
        orElse(update.lastRecoveryPointMillis(), item.lastRecoveryPointAt()),
        orElse(update.pendingBytes(), item.pendingBytes()),
        lastError,
        orElse(update.activeSiteId(), item.activeSiteId()),
        item.workflowId(),
        item.createdAt(),
        Math.max(item.updatedAt(), update.atMillis()));
  }

  @Override
  public Ack recordRecoveryPoint(RecoveryPointRecord point) {
    try {
      return jdbi.inTransaction(h -> recordPoint(h, point));
    } catch (UnableToExecuteStatementException e) {
      // A concurrent twin of this write won the primary key: the point is recorded either way.
      boolean present =
          jdbi.withExtension(
              RecoveryPointDao.class, d -> d.findBySeq(point.itemId(), point.seq()).isPresent());
      if (present) {
        return new Ack(false);
      }
      throw e;
    }
  }

  private static Ack recordPoint(Handle h, RecoveryPointRecord point) {
    ProtectedItemDao items = h.attach(ProtectedItemDao.class);
    ProtectedItem item = items.find(point.itemId()).orElse(null);
    if (item == null) {
      return new Ack(false);
    }
    RecoveryPointDao points = h.attach(RecoveryPointDao.class);
    boolean written =
        points.insertIfAbsent(
            new RecoveryPoint(
                point.itemId(),
                point.seq(),
                Ids.recoveryPoint(point.seq()),
                point.createdAtMillis(),
                point.appConsistent()));
    items.advanceLastRecoveryPoint(point.itemId(), point.createdAtMillis());
    pruneBeyondRetention(h, item, points);
    return new Ack(written);
  }

  /** Drops the item's points older than its policy's retention, counted from the newest point. */
  private static void pruneBeyondRetention(Handle h, ProtectedItem item, RecoveryPointDao points) {
    Integer retentionHours =
        h.attach(PairingDao.class)
            .find(item.pairingId())
            .flatMap(p -> h.attach(PolicyDao.class).find(p.policyId()))
            .map(p -> p.recoveryPointRetentionHours())
            .orElse(null);
    if (retentionHours == null) {
      return;
    }
    points
        .newest(item.id())
        .ifPresent(
            newest ->
                points.deleteOlderThan(
                    item.id(), newest.createdAt() - retentionHours * HOUR_MILLIS));
  }

  @Override
  public Ack recordJobStep(JobStepUpdate update) {
    return jobs.recordStep(update);
  }

  // --- reverse replication (R25) ---
  @Override
  public Ack recordDirection(DirectionUpdate update) {
    // The recovery points listed so far were the old replica's; the new direction numbers its
    // points from sequence 1 again, which the store would otherwise take for the old ones.
    int rows =
        jdbi.inTransaction(
            h -> {
              int changed =
                  h.attach(ProtectedItemDao.class)
                      .reverseDirection(
                          update.itemId(),
                          update.vmId(),
                          update.replicaVmId(),
                          update.sourceHostId(),
                          update.targetHostId(),
                          update.atMillis());
              if (changed == 1) {
                h.attach(RecoveryPointDao.class).deleteOlderThan(update.itemId(), Long.MAX_VALUE);
              }
              return changed;
            });
    return new Ack(rows == 1);
  }

  // --- end reverse replication (R25) ---

  @Override
  public Ack recordJobState(JobStateUpdate update) {
    return jobs.recordState(update);
  }

  @Override
  public Ack openJob(JobOpen open) {
    return jobs.open(open);
  }

  // --- cloud site (issue 8) ---
  @Override
  public SiteStorage siteStorage(SiteRef site) {
    return new SiteStorage(
        jdbi.withExtension(dev.haven.store.SiteStorageDao.class, d -> d.find(site.siteId()))
            .orElse(null));
  }

  @Override
  public ItemPolicy itemPolicy(ItemRef ref) {
    return jdbi.withHandle(
        h ->
            h.attach(ProtectedItemDao.class)
                .find(ref.itemId())
                .flatMap(item -> h.attach(PairingDao.class).find(item.pairingId()))
                .flatMap(pairing -> h.attach(PolicyDao.class).find(pairing.policyId()))
                .map(
                    p ->
                        new ItemPolicy(
                            p.id(),
                            p.copyFrequencySeconds(),
                            p.recoveryPointRetentionHours(),
                            p.appConsistentFrequencyHours(),
                            p.resyncWindow(),
                            p.resyncTimeZone(),
                            p.compression(),
                            p.replicaDeletion()))
                .orElse(new ItemPolicy(null, 0, 0, 0, null, null, false, null)));
  }

  private static void checkState(String state) {
    try {
      ItemState.fromApiName(state);
    } catch (IllegalArgumentException e) {
      throw invalid("unknown item state '" + state + "'");
    }
  }

  private static void checkHealth(String health) {
    for (Health h : Health.values()) {
      if (h.apiName().equals(health)) {
        return;
      }
    }
    throw invalid("unknown health '" + health + "'");
  }

  /** A projection that can never be written: retrying it would not help. */
  static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, "InvalidProjection");
  }

  static String truncate(String text) {
    if (text == null || text.length() <= MAX_ERROR_CHARS) {
      return text;
    }
    return text.substring(0, MAX_ERROR_CHARS);
  }

  private static <T> T orElse(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
