package dev.haven.activities.store;

import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPointDao;
import dev.haven.workflows.activities.StoreActivities.Ack;
import dev.haven.workflows.activities.StoreActivities.CycleRecord;
import dev.haven.workflows.activities.StoreActivities.DirectionUpdate;
import dev.haven.workflows.activities.StoreActivities.ItemUpdate;
import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The store's side of a protected item's status (R14): its state, health and progress as the
 * workflow reports them, a replication cycle's point written with the status it leads to, and the
 * direction swapped when replication reverses (R25). Null fields of an update leave stored values
 * alone, so a retried write changes nothing more.
 */
final class ItemProjections {
  private final Jdbi jdbi;

  ItemProjections(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  Ack recordItem(ItemUpdate update) {
    checkItem(update);
    return jdbi.inTransaction(h -> updateItem(h, update));
  }

  /**
   * The point first, then the status, in one transaction: the item's newest point and its status
   * never disagree, and a retry after a failure writes both again harmlessly.
   */
  Ack recordCycle(CycleRecord cycle) {
    checkItem(cycle.item());
    if (cycle.point() != null && !cycle.point().itemId().equals(cycle.item().itemId())) {
      throw StoreActivitiesImpl.invalid(
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

  // --- reverse replication (R25) ---
  Ack recordDirection(DirectionUpdate update) {
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

  Ack forgetRecoveryPoints(String itemId) {
    return jdbi.inTransaction(
        h -> {
          if (h.attach(ProtectedItemDao.class).find(itemId).isEmpty()) {
            return new Ack(false);
          }
          h.attach(RecoveryPointDao.class).deleteOlderThan(itemId, Long.MAX_VALUE);
          return new Ack(true);
        });
  }

  private static Ack recordCycle(Handle h, CycleRecord cycle) {
    if (cycle.point() != null) {
      RecoveryPointProjections.recordPoint(h, cycle.point());
    }
    return updateItem(h, cycle.item());
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
   * The item with every non-null field of {@code update} applied. An empty {@code lastError} clears
   * the stored error, since null means "leave it".
   */
  static ProtectedItem merge(ProtectedItem item, ItemUpdate update) {
    String lastError = item.lastError();
    if (update.lastError() != null) {
      lastError =
          update.lastError().isEmpty() ? null : StoreActivitiesImpl.truncate(update.lastError());
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

  private static void checkState(String state) {
    try {
      ItemState.fromApiName(state);
    } catch (IllegalArgumentException e) {
      throw StoreActivitiesImpl.invalid("unknown item state '" + state + "'");
    }
  }

  private static void checkHealth(String health) {
    for (Health h : Health.values()) {
      if (h.apiName().equals(health)) {
        return;
      }
    }
    throw StoreActivitiesImpl.invalid("unknown health '" + health + "'");
  }

  private static <T> T orElse(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
