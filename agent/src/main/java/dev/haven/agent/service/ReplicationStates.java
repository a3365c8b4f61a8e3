package dev.haven.agent.service;

import dev.haven.agent.replication.RecoveryStore;
import dev.haven.agent.replication.ReplicationRecord;
import dev.haven.agent.replication.ReplicationStateStore;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.protocol.ReplicationState;
import java.io.IOException;

/**
 * Builds the {@link ReplicationState} an agent answers for an item: its stored record, the bytes
 * its source disks still have to ship, and whether it needs a resync.
 */
final class ReplicationStates {
  private final FileVmDriver driver;
  private final ReplicationStateStore store;

  ReplicationStates(FileVmDriver driver, ReplicationStateStore store) {
    this.driver = driver;
    this.store = store;
  }

  ReplicationState of(ReplicationRecord record) throws IOException {
    long pending = 0;
    if (record.role() == ReplicationRecord.Role.SOURCE && driver.find(record.vmId()).isPresent()) {
      for (String diskId : record.localDiskIds()) {
        pending += driver.changeLogs(record.vmId(), diskId).pendingBytes();
      }
    }
    RecoveryStore.Item recovery = store.recovery().get(record.itemId());
    return Messages.state(record, pending).toBuilder()
        .setResyncRequired(recovery.resyncRequired())
        .setResyncReason(recovery.resyncReason())
        .build();
  }
}
