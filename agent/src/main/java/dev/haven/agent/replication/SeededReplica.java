package dev.haven.agent.replication;

import dev.haven.agent.PreconditionException;
import dev.haven.agent.changelog.DiskChangeLogs;
import dev.haven.agent.replication.ReplicationRecord.CopyState;
import dev.haven.agent.replication.ReplicationRecord.DiskPair;
import dev.haven.agent.replication.ReplicationRecord.Role;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import dev.haven.protocol.Vm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reverse replication (R25): an existing VM on this agent, typically the item's old source VM,
 * becomes the item's replica. Its disks are the seed: a resync afterwards sends only the blocks
 * that differ. Nothing of its data is touched here; what it kept from an earlier role is cleared so
 * that it cannot be mistaken for state of the new direction: its change logs (it no longer tracks
 * guest writes) and any undo journals, whose sequence numbers belong to the earlier direction.
 */
final class SeededReplica {
  private final FileVmDriver driver;
  private final ReplicationStateStore store;

  SeededReplica(FileVmDriver driver, ReplicationStateStore store) {
    this.driver = driver;
    this.store = store;
  }

  /**
   * Records {@code seedVmId} as the item's replica of {@code sourceVm}. Calling it again with the
   * same seed answers the same state; an item active as a source here is refused, since it must be
   * stopped before its VM can be written by a peer.
   */
  ReplicationRecord prepare(String itemId, Vm sourceVm, String seedVmId) throws IOException {
    VmRecord seed = driver.require(seedVmId);
    Optional<ReplicationRecord> existing = store.find(itemId).filter(ReplicationRecord::active);
    if (existing.isPresent() && existing.get().role() != Role.TARGET) {
      throw new PreconditionException(
          "item '"
              + itemId
              + "' is an active replication source on this agent; stop it before"
              + " replicating into VM '"
              + seedVmId
              + "'");
    }
    if (existing.isPresent()) {
      if (!existing.get().vmId().equals(seedVmId)) {
        throw new PreconditionException(
            "item '" + itemId + "' already replicates into VM '" + existing.get().vmId() + "'");
      }
      checkShape(seed, sourceVm);
      return existing.get();
    }
    for (ReplicationRecord other : store.all()) {
      if (other.active() && other.vmId().equals(seedVmId)) {
        throw new PreconditionException(
            "VM '" + seedVmId + "' takes part in the replication of item '" + other.itemId() + "'");
      }
    }
    if (seed.poweredOn()) {
      throw new PreconditionException(
          "VM '" + seedVmId + "' is powered on; power it off before it becomes the replica");
    }
    checkShape(seed, sourceVm);
    driver.setTracking(seedVmId, false);
    List<DiskPair> pairs = new ArrayList<>();
    List<CopyState> copies = new ArrayList<>();
    for (int i = 0; i < seed.disks().size(); i++) {
      VmDisk disk = seed.disks().get(i);
      DiskChangeLogs logs = driver.changeLogs(seedVmId, disk.id());
      logs.discardThrough(Long.MAX_VALUE);
      pairs.add(new DiskPair(sourceVm.getDisks(i).getId(), disk.id()));
      copies.add(new CopyState(disk.id(), 0, CopyPlan.chunkCount(disk.sizeBytes()), false));
    }
    clearUndoJournals(seedVmId);
    return store.put(
        ReplicationRecord.fresh(
            itemId, Role.TARGET, seedVmId, "", sourceVm.getId(), pairs, copies));
  }

  private void clearUndoJournals(String vmId) throws IOException {
    Path folder = UndoJournal.folder(driver.folder(vmId));
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
    }
  }

  private static void checkShape(VmRecord seed, Vm sourceVm) {
    boolean same = seed.disks().size() == sourceVm.getDisksCount();
    for (int i = 0; same && i < seed.disks().size(); i++) {
      same = seed.disks().get(i).sizeBytes() == sourceVm.getDisks(i).getSizeBytes();
    }
    if (!same) {
      throw new PreconditionException(
          "VM '" + seed.id() + "' has other disks than the source VM describes; it cannot seed");
    }
  }
}
