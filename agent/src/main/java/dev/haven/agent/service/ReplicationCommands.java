package dev.haven.agent.service;

import dev.haven.agent.replication.ReplicationRecord;
import dev.haven.agent.replication.ReplicationStateStore;
import dev.haven.agent.replication.SourceReplication;
import dev.haven.agent.replication.TargetReplication;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.StartReplicationRequest;
import java.io.IOException;

/**
 * The commands that set up, stop and report an item's replication on this agent, as target or
 * source; each answers the item's replication state.
 */
final class ReplicationCommands {
  private final FileVmDriver driver;
  private final ReplicationStateStore store;
  private final SourceReplication source;
  private final TargetReplication target;
  private final ReplicationStates states;

  ReplicationCommands(
      FileVmDriver driver,
      ReplicationStateStore store,
      SourceReplication source,
      TargetReplication target) {
    this.driver = driver;
    this.store = store;
    this.source = source;
    this.target = target;
    this.states = new ReplicationStates(driver, store);
  }

  ReplicationState prepare(PrepareReplicaRequest request) throws IOException {
    return states.of(
        target.prepare(
            request.getItemId(),
            request.getSourceVm(),
            request.getNetworkMappingMap(),
            request.getSeedVmId()));
  }

  ReplicationState start(StartReplicationRequest request) throws IOException {
    return states.of(source.start(request));
  }

  ReplicationState state(String itemId) throws IOException {
    return states.of(store.require(itemId));
  }

  /** Stops the item here; a source VM also stops tracking its writes. Stopping twice is a no-op. */
  ReplicationState stop(String itemId) throws IOException {
    ReplicationRecord record = store.require(itemId);
    if (record.active()) {
      record = store.put(record.withActive(false));
      if (record.role() == ReplicationRecord.Role.SOURCE
          && driver.find(record.vmId()).isPresent()) {
        driver.setTracking(record.vmId(), false);
      }
    }
    return states.of(record);
  }
}
