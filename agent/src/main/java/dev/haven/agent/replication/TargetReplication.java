package dev.haven.agent.replication;

import dev.haven.agent.BusyException;
import dev.haven.agent.NotFoundException;
import dev.haven.agent.PreconditionException;
import dev.haven.agent.replication.ReplicationRecord.CopyState;
import dev.haven.agent.replication.ReplicationRecord.DiskPair;
import dev.haven.agent.replication.ReplicationRecord.Role;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import dev.haven.agent.vm.VmSpec;
import dev.haven.protocol.BlockHashBatch;
import dev.haven.protocol.Disk;
import dev.haven.protocol.DiskChunk;
import dev.haven.protocol.HashBlocksRequest;
import dev.haven.protocol.LogFrame;
import dev.haven.protocol.ResyncBlock;
import dev.haven.protocol.ShipLogResponse;
import dev.haven.protocol.Vm;
import dev.haven.protocol.WriteBlocksResponse;
import dev.haven.protocol.WriteChunksResponse;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The target side of an item: the replica VM and the checks shared by the initial-copy and
 * log-shipping receivers.
 */
public final class TargetReplication {
  private final FileVmDriver driver;
  private final ReplicationStateStore store;
  private final Set<String> busyDisks = ConcurrentHashMap.newKeySet();
  private final LogApplier applier = new LogApplier(this);
  private final RetentionPruner pruner;
  private final CopyTally copyTally = new CopyTally();
  private final SeededReplica seeded;

  public TargetReplication(FileVmDriver driver, ReplicationStateStore store) {
    this.driver = driver;
    this.store = store;
    this.pruner = new RetentionPruner(driver, store);
    this.seeded = new SeededReplica(driver, store);
    CopyRecovery.run(driver, store);
  }

  /**
   * As {@link #prepare(String, Vm, Map)}, but with {@code seedVmId} non-blank that existing VM
   * becomes the replica (reverse replication, {@link SeededReplica}).
   */
  public synchronized ReplicationRecord prepare(
      String itemId, Vm sourceVm, Map<String, String> networkMapping, String seedVmId)
      throws IOException {
    if (seedVmId == null || seedVmId.isBlank()) {
      return prepare(itemId, sourceVm, networkMapping);
    }
    checkSourceVm(itemId, sourceVm);
    return seeded.prepare(itemId, sourceVm, seedVmId);
  }

  /** Receives the initial copy of one replica disk ({@code PeerService.WriteChunks}). */
  public StreamObserver<DiskChunk> receiveChunks(StreamObserver<WriteChunksResponse> responses) {
    return new ChunkReceiver(this, responses);
  }

  /** Receives and applies one sealed change log ({@code PeerService.ShipLog}). */
  public StreamObserver<LogFrame> receiveLog(StreamObserver<ShipLogResponse> responses) {
    return new LogReceiver(this, applier, responses);
  }

  // --- resync (R15) ---
  /** Streams the hashes of one replica disk's blocks ({@code PeerService.HashBlocks}). */
  public void hashBlocks(HashBlocksRequest request, StreamObserver<BlockHashBatch> responses) {
    new HashStreamer(this).stream(request, responses);
  }

  /** Receives the differing blocks of a resync ({@code PeerService.WriteBlocks}). */
  public StreamObserver<ResyncBlock> receiveBlocks(StreamObserver<WriteBlocksResponse> responses) {
    return new ResyncReceiver(this, responses);
  }

  // --- end resync (R15) ---

  /** What this agent received of initial copies since it started. */
  public CopyTally copyTally() {
    return copyTally;
  }

  FileVmDriver driver() {
    return driver;
  }

  ReplicationStateStore store() {
    return store;
  }

  RetentionPruner pruner() {
    return pruner;
  }

  /**
   * Creates, or finds by item id, the powered-off replica of {@code sourceVm} and records this
   * agent as the item's target. Calling it again answers the same replica.
   */
  public synchronized ReplicationRecord prepare(
      String itemId, Vm sourceVm, Map<String, String> networkMapping) throws IOException {
    checkSourceVm(itemId, sourceVm);
    Optional<ReplicationRecord> existing = store.find(itemId).filter(ReplicationRecord::active);
    if (existing.isPresent() && existing.get().role() != Role.TARGET) {
      throw new PreconditionException(
          "item '" + itemId + "' is an active replication source on this agent, not a target");
    }
    if (existing.isPresent() && driver.find(existing.get().vmId()).isPresent()) {
      checkShape(driver.require(existing.get().vmId()), sourceVm);
      return existing.get();
    }
    // A new item, or one stopped here: replication starts afresh into the item's replica VM.
    VmRecord replica = findOrCreateReplica(itemId, sourceVm, networkMapping);
    if (replica.poweredOn()) {
      throw new PreconditionException(
          "replica VM '"
              + replica.id()
              + "' of item '"
              + itemId
              + "' is powered on; power it"
              + " off before replicating into it again");
    }
    List<DiskPair> pairs = new ArrayList<>();
    List<CopyState> copies = new ArrayList<>();
    for (int i = 0; i < replica.disks().size(); i++) {
      VmDisk disk = replica.disks().get(i);
      pairs.add(new DiskPair(sourceVm.getDisks(i).getId(), disk.id()));
      copies.add(new CopyState(disk.id(), 0, CopyPlan.chunkCount(disk.sizeBytes()), false));
    }
    return store.put(
        ReplicationRecord.fresh(
            itemId, Role.TARGET, replica.id(), "", sourceVm.getId(), pairs, copies));
  }

  private static void checkSourceVm(String itemId, Vm sourceVm) {
    ReplicationStateStore.checkItemId(itemId);
    if (sourceVm.getDisksCount() == 0) {
      throw new IllegalArgumentException("source_vm.disks must list the source VM's disks");
    }
    for (Disk disk : sourceVm.getDisksList()) {
      if (disk.getId().isBlank() || disk.getSizeBytes() == 0) {
        throw new IllegalArgumentException("source_vm.disks need an id and a size_bytes");
      }
    }
  }

  private VmRecord findOrCreateReplica(
      String itemId, Vm sourceVm, Map<String, String> networkMapping) throws IOException {
    // A replica made just before a crash, when the state was not stored yet, is reused.
    for (VmRecord vm : driver.list()) {
      if (itemId.equals(vm.replicaOfItem())) {
        checkShape(vm, sourceVm);
        return vm;
      }
    }
    List<String> networks =
        sourceVm.getNetworksList().stream().map(n -> networkMapping.getOrDefault(n, n)).toList();
    String name = sourceVm.getName().isBlank() ? itemId : sourceVm.getName();
    return driver.create(
        new VmSpec(
            name + "-replica",
            sourceVm.getCpus(),
            sourceVm.getMemoryMib(),
            sourceVm.getDisksList().stream().map(Disk::getSizeBytes).toList(),
            networks,
            itemId));
  }

  private static void checkShape(VmRecord replica, Vm sourceVm) {
    boolean same = replica.disks().size() == sourceVm.getDisksCount();
    for (int i = 0; same && i < replica.disks().size(); i++) {
      same = replica.disks().get(i).sizeBytes() == sourceVm.getDisks(i).getSizeBytes();
    }
    if (!same) {
      throw new PreconditionException(
          "replica VM '" + replica.id() + "' has other disks than the source VM describes");
    }
  }

  /** The item's state, which must be an active target holding replica disk {@code diskId}. */
  ReplicationRecord activeTarget(String itemId, String diskId) {
    ReplicationRecord record = store.require(itemId);
    if (record.role() != Role.TARGET || !record.active()) {
      throw new PreconditionException(
          "item '" + itemId + "' is not an active replication target on this agent");
    }
    if (record.pairOf(diskId).isEmpty()) {
      throw new NotFoundException("item '" + itemId + "' has no replica disk '" + diskId + "'");
    }
    return record;
  }

  /** Claims a replica disk for one receiving stream at a time. */
  void claim(String diskId) {
    if (!busyDisks.add(diskId)) {
      throw new BusyException("replica disk '" + diskId + "' is already receiving a stream");
    }
  }

  void release(String diskId) {
    busyDisks.remove(diskId);
  }
}
