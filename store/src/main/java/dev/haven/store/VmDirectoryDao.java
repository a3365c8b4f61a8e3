package dev.haven.store;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The VM directory: which host holds which VM. Agents own their VMs; the API refreshes these rows
 * whenever it lists a host's VMs, so that a VM id alone finds its agent.
 */
@RegisterConstructorMapper(VmEntry.class)
public interface VmDirectoryDao {
  String COLUMNS = "id, host_id, name, seen_at";

  @SqlQuery("SELECT " + COLUMNS + " FROM vms WHERE id = :id")
  Optional<VmEntry> find(@Bind("id") String id);

  @SqlQuery("SELECT " + COLUMNS + " FROM vms WHERE host_id = :hostId ORDER BY name, id")
  List<VmEntry> listByHost(@Bind("hostId") String hostId);

  @SqlUpdate("UPDATE vms SET host_id = :hostId, name = :name, seen_at = :seenAt WHERE id = :id")
  int update(
      @Bind("id") String id,
      @Bind("hostId") String hostId,
      @Bind("name") String name,
      @Bind("seenAt") long seenAt);

  @SqlUpdate("INSERT INTO vms (" + COLUMNS + ") VALUES (:id, :hostId, :name, :seenAt)")
  void insert(
      @Bind("id") String id,
      @Bind("hostId") String hostId,
      @Bind("name") String name,
      @Bind("seenAt") long seenAt);

  @SqlUpdate("DELETE FROM vms WHERE id = :id")
  int delete(@Bind("id") String id);

  @SqlQuery("SELECT COUNT(*) FROM vms")
  long count();

  /** Records that {@code hostId} holds VM {@code id}, moving the entry if another host had it. */
  default void record(String id, String hostId, String name, long seenAt) {
    if (update(id, hostId, name, seenAt) == 0) {
      insert(id, hostId, name, seenAt);
    }
  }

  /**
   * Replaces what the directory knows of one host with what its agent just listed: entries of the
   * host that the agent no longer reports are removed.
   */
  default void replaceHost(String hostId, Collection<VmEntry> listed) {
    List<String> listedIds = listed.stream().map(VmEntry::id).toList();
    for (VmEntry known : listByHost(hostId)) {
      if (!listedIds.contains(known.id())) {
        delete(known.id());
      }
    }
    for (VmEntry vm : listed) {
      record(vm.id(), hostId, vm.name(), vm.seenAt());
    }
  }
}
