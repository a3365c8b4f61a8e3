package dev.haven.store;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * Protected items (R10, R14). While an item is not in a final state it holds its VM: a second item
 * for the same VM fails on the unique {@code active_vm_id} column.
 */
@RegisterConstructorMapper(ProtectedItem.class)
public interface ProtectedItemDao {
  /**
   * The states after which an item's workflow does not run any more, in the API's spelling (they
   * mirror {@code ItemState} of the workflows module, which the store does not depend on).
   */
  Set<String> FINAL_STATES = Set.of("disabled", "failed-over", "committed");

  String COLUMNS =
      "id, vm_id, pairing_id, source_host_id, target_host_id, replica_vm_id, state, health,"
          + " last_applied_seq, last_recovery_point_at, pending_bytes, last_error,"
          + " active_site_id, workflow_id, created_at, updated_at";

  /** Whether {@code state} is one of {@link #FINAL_STATES}. */
  static boolean isFinal(String state) {
    return FINAL_STATES.contains(state);
  }

  /** Inserts a new item; it holds its VM unless it starts in a final state. */
  default void insert(ProtectedItem item) {
    insertRow(item, isFinal(item.state()) ? null : item.vmId());
  }

  @SqlUpdate(
      "INSERT INTO protected_items ("
          + COLUMNS
          + ", active_vm_id) VALUES (:id, :vmId, :pairingId, :sourceHostId, :targetHostId,"
          + " :replicaVmId, :state, :health, :lastAppliedSeq, :lastRecoveryPointAt,"
          + " :pendingBytes, :lastError, :activeSiteId, :workflowId, :createdAt, :updatedAt,"
          + " :activeVmId)")
  void insertRow(@BindMethods ProtectedItem item, @Bind("activeVmId") String activeVmId);

  /**
   * Writes the replication status of an item (everything but its identity, VM, pairing, hosts and
   * creation time); an item that reaches a final state releases its VM.
   */
  default int updateStatus(ProtectedItem item) {
    return updateStatusRow(item, isFinal(item.state()) ? null : item.vmId());
  }

  @SqlUpdate(
      "UPDATE protected_items SET replica_vm_id = :replicaVmId, state = :state,"
          + " health = :health, last_applied_seq = :lastAppliedSeq,"
          + " last_recovery_point_at = :lastRecoveryPointAt, pending_bytes = :pendingBytes,"
          + " last_error = :lastError, active_site_id = :activeSiteId,"
          + " updated_at = :updatedAt, active_vm_id = :activeVmId WHERE id = :id")
  int updateStatusRow(@BindMethods ProtectedItem item, @Bind("activeVmId") String activeVmId);

  /**
   * Reverse replication (R25): the item now runs {@code vmId} at {@code sourceHostId} and
   * replicates into {@code replicaVmId} at {@code targetHostId}; the VM it holds changes with it.
   */
  @SqlUpdate(
      "UPDATE protected_items SET vm_id = :vmId, replica_vm_id = :replicaVmId,"
          + " source_host_id = :sourceHostId, target_host_id = :targetHostId,"
          + " active_vm_id = :vmId, updated_at = GREATEST(updated_at, :at) WHERE id = :id")
  int reverseDirection(
      @Bind("id") String id,
      @Bind("vmId") String vmId,
      @Bind("replicaVmId") String replicaVmId,
      @Bind("sourceHostId") String sourceHostId,
      @Bind("targetHostId") String targetHostId,
      @Bind("at") long at);

  /** Moves the newest recovery point time forward, never back. */
  @SqlUpdate(
      "UPDATE protected_items SET last_recovery_point_at = :at WHERE id = :id"
          + " AND (last_recovery_point_at IS NULL OR last_recovery_point_at < :at)")
  int advanceLastRecoveryPoint(@Bind("id") String id, @Bind("at") long at);

  @SqlQuery("SELECT " + COLUMNS + " FROM protected_items WHERE id = :id")
  Optional<ProtectedItem> find(@Bind("id") String id);

  /** The item that currently holds {@code vmId}, if any (one that is not in a final state). */
  @SqlQuery("SELECT " + COLUMNS + " FROM protected_items WHERE active_vm_id = :vmId")
  Optional<ProtectedItem> findActiveByVm(@Bind("vmId") String vmId);

  @SqlQuery("SELECT " + COLUMNS + " FROM protected_items ORDER BY created_at, id")
  List<ProtectedItem> list();

  /**
   * Every item whose workflow should be running: the ones not in a final state, and those committed
   * in a cloud site, which wait for their failback.
   */
  @SqlQuery(
      "SELECT "
          + COLUMNS
          + " FROM protected_items"
          + " WHERE state NOT IN ('disabled', 'failed-over', 'committed')"
          // R21: committed in a cloud site, the item waits for its failback.
          + " OR (state = 'committed' AND active_site_id IN"
          + " (SELECT id FROM sites WHERE kind = 'cloud'))"
          + " ORDER BY created_at, id")
  List<ProtectedItem> listUnfinished();

  @SqlUpdate("DELETE FROM protected_items WHERE id = :id")
  int delete(@Bind("id") String id);

  @SqlQuery("SELECT COUNT(*) FROM protected_items")
  long count();
}
