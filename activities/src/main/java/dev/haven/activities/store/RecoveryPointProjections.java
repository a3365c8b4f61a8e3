package dev.haven.activities.store;

import dev.haven.store.Ids;
import dev.haven.store.PairingDao;
import dev.haven.store.PolicyDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPoint;
import dev.haven.store.RecoveryPointDao;
import dev.haven.workflows.activities.StoreActivities.Ack;
import dev.haven.workflows.activities.StoreActivities.RecoveryPointRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The store's list of an item's recovery points: a point recorded twice stays one row, and points
 * older than the item's policy retains are dropped as new ones arrive.
 */
final class RecoveryPointProjections {
  private static final long HOUR_MILLIS = 3_600_000L;

  private final Jdbi jdbi;

  RecoveryPointProjections(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  Ack record(RecoveryPointRecord point) {
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

  /** Writes {@code point} inside the caller's transaction; a point already there is kept. */
  static Ack recordPoint(Handle h, RecoveryPointRecord point) {
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
}
