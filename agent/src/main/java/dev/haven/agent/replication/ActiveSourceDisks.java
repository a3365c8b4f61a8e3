package dev.haven.agent.replication;

import dev.haven.agent.BusyException;
import dev.haven.agent.NotFoundException;
import dev.haven.agent.PreconditionException;
import dev.haven.agent.replication.ReplicationRecord.DiskPair;
import dev.haven.agent.replication.ReplicationRecord.Role;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The checks every disk transfer of a source runs first: the item must replicate from here, the
 * disk must be one of its disks, and only one copy or resync of a disk may run at a time.
 */
final class ActiveSourceDisks {
  private final ReplicationStateStore store;
  private final Set<String> busy = ConcurrentHashMap.newKeySet();

  ActiveSourceDisks(ReplicationStateStore store) {
    this.store = store;
  }

  /** The item's record; refused unless it is an active source on this agent. */
  ReplicationRecord activeSource(String itemId) {
    ReplicationRecord record = store.require(itemId);
    if (record.role() != Role.SOURCE || !record.active()) {
      throw new PreconditionException(
          "item '"
              + itemId
              + "' is not an active replication source on this agent (role "
              + record.role()
              + (record.active() ? "" : ", stopped")
              + ")");
    }
    return record;
  }

  /** The source disk's pair with its replica disk; not found unless the item has that disk. */
  static DiskPair pairOf(ReplicationRecord record, String diskId) {
    return record
        .pairOf(diskId)
        .orElseThrow(
            () ->
                new NotFoundException(
                    "item '" + record.itemId() + "' has no source disk '" + diskId + "'"));
  }

  /**
   * Marks the disk busy until {@link #release}; busy already, it refuses with {@code whatRuns} ("a
   * copy", "a copy or resync") naming what may hold it.
   */
  void claim(String diskId, String whatRuns) {
    if (!busy.add(diskId)) {
      throw new BusyException(whatRuns + " of disk '" + diskId + "' is already running");
    }
  }

  void release(String diskId) {
    busy.remove(diskId);
  }
}
