package dev.haven.agent.replication;

import dev.haven.agent.PreconditionException;
import dev.haven.agent.changelog.DiskChangeLogs;
import dev.haven.agent.cloud.CloudSource;
import dev.haven.agent.replication.ReplicationRecord.CopyState;
import dev.haven.agent.replication.ReplicationRecord.DiskPair;
import dev.haven.agent.replication.ReplicationRecord.Role;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import dev.haven.protocol.StartReplicationRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** Starts an item's replication at its source: checks the request, then tracks the VM afresh. */
final class ReplicationStart {
  private final FileVmDriver driver;
  private final ReplicationStateStore store;
  private final Supplier<CloudSource> cloud;

  /** {@code cloud} answers the attached cloud side, or null when none is. */
  ReplicationStart(FileVmDriver driver, ReplicationStateStore store, Supplier<CloudSource> cloud) {
    this.driver = driver;
    this.store = store;
    this.cloud = cloud;
  }

  /** See {@link SourceReplication#start}. */
  ReplicationRecord start(StartReplicationRequest request) throws IOException {
    String itemId = ReplicationStateStore.checkItemId(request.getItemId());
    VmRecord vm = driver.require(request.getVmId());
    var existing = store.find(itemId).filter(ReplicationRecord::active);
    if (existing.isPresent() && existing.get().role() != Role.SOURCE) {
      throw new PreconditionException(
          "item '" + itemId + "' is an active replication target on this agent, not a source");
    }
    if (existing.isPresent()) {
      if (!existing.get().vmId().equals(vm.id())) {
        throw new PreconditionException(
            "item '" + itemId + "' already replicates VM '" + existing.get().vmId() + "'");
      }
      return existing.get();
    }
    for (ReplicationRecord other : store.all()) {
      if (other.active() && other.role() == Role.SOURCE && other.vmId().equals(vm.id())) {
        throw new PreconditionException(
            "VM '" + vm.id() + "' is already replicated by item '" + other.itemId() + "'");
      }
    }
    if (request.getTargetAddress().isBlank()) {
      throw new IllegalArgumentException("target_address must name the target agent (host:port)");
    }
    List<DiskPair> pairs = pairs(vm, request);
    // A cloud target: the keyring and the store are checked before anything changes here.
    CloudSource cloudSide = cloud.get();
    if (!request.getCloudStorage().isBlank()) {
      if (cloudSide == null) {
        throw new PreconditionException("this agent cannot replicate to a cloud site");
      }
      cloudSide.start(itemId, request.getCloudStorage());
    } else if (cloudSide != null) {
      cloudSide.targets().clear(itemId);
    }
    List<CopyState> copies = new ArrayList<>();
    for (VmDisk disk : vm.disks()) {
      copies.add(new CopyState(disk.id(), 0, CopyPlan.chunkCount(disk.sizeBytes()), false));
    }
    // Tracking starts before the old logs go, and the state is stored last: a crash in between
    // leaves no state, so the retry starts afresh.
    driver.setTracking(vm.id(), true);
    for (VmDisk disk : vm.disks()) {
      DiskChangeLogs logs = driver.changeLogs(vm.id(), disk.id());
      logs.discardThrough(Long.MAX_VALUE);
      logs.restartAt(1);
    }
    return store.put(
        ReplicationRecord.fresh(
            itemId,
            Role.SOURCE,
            vm.id(),
            request.getTargetAddress(),
            request.getReplicaVmId(),
            pairs,
            copies));
  }

  /** Each disk of the VM paired with exactly one replica disk, or a clear error. */
  private static List<DiskPair> pairs(VmRecord vm, StartReplicationRequest request) {
    Set<String> vmDisks = new HashSet<>();
    vm.disks().forEach(d -> vmDisks.add(d.id()));
    List<DiskPair> pairs = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (var mapping : request.getDisksList()) {
      if (!vmDisks.contains(mapping.getSourceDiskId())) {
        throw new IllegalArgumentException(
            "disks: VM '" + vm.id() + "' has no disk '" + mapping.getSourceDiskId() + "'");
      }
      if (mapping.getReplicaDiskId().isBlank() || !seen.add(mapping.getSourceDiskId())) {
        throw new IllegalArgumentException(
            "disks: disk '" + mapping.getSourceDiskId() + "' needs exactly one replica disk id");
      }
      pairs.add(new DiskPair(mapping.getSourceDiskId(), mapping.getReplicaDiskId()));
    }
    if (!seen.equals(vmDisks)) {
      throw new IllegalArgumentException(
          "disks must map every disk of VM '" + vm.id() + "' to a replica disk");
    }
    return pairs;
  }
}
