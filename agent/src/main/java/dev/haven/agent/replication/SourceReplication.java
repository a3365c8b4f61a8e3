package dev.haven.agent.replication;

import dev.haven.agent.BusyException;
import dev.haven.agent.NotFoundException;
import dev.haven.agent.PreconditionException;
import dev.haven.agent.changelog.DiskChangeLogs;
import dev.haven.agent.disk.CopySnapshot;
import dev.haven.agent.replication.ReplicationRecord.CopyState;
import dev.haven.agent.replication.ReplicationRecord.DiskPair;
import dev.haven.agent.replication.ReplicationRecord.Role;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.DiskCopyState;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.ResyncDiskRequest;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.client.AgentChannels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** The source side of an item: starting replication and the initial copy of its disks. */
public final class SourceReplication {
  private final FileVmDriver driver;
  private final ReplicationStateStore store;
  private final AgentChannels channels;
  private final CopyTally sentTally = new CopyTally();
  private final InitialCopySender sender;
  private final ResyncSender resync;
  private final Set<String> copying = ConcurrentHashMap.newKeySet();
  private volatile dev.haven.agent.cloud.CloudSource cloud;

  public SourceReplication(
      FileVmDriver driver, ReplicationStateStore store, AgentChannels channels) {
    this.driver = driver;
    this.store = store;
    this.channels = channels;
    this.sender = new InitialCopySender(channels, sentTally);
    this.resync = new ResyncSender(channels);
  }

  /** What this agent sent of initial copies since it started; a chunk sent again counts as such. */
  public CopyTally sentTally() {
    return sentTally;
  }

  /** Lets items replicate to a cloud site's object store (issue 8); AgentServer attaches it. */
  public void attachCloud(dev.haven.agent.cloud.CloudSource cloud) {
    this.cloud = cloud;
  }

  /** The cloud side of this source, or null when none is attached. */
  public dev.haven.agent.cloud.CloudSource cloud() {
    return cloud;
  }

  private boolean toCloud(String itemId) throws IOException {
    return cloud != null && cloud.replicatesToCloud(itemId);
  }

  /**
   * Starts tracking the VM's writes for the item. A second call for an active item answers its
   * state and changes nothing. Otherwise (a new item, or one stopped here, for example before
   * replicating in the reverse direction) replication starts afresh: older logs are discarded, the
   * item's sequences start at 1, and every disk needs its initial copy.
   */
  public synchronized ReplicationRecord start(StartReplicationRequest request) throws IOException {
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
    if (!request.getCloudStorage().isBlank()) {
      if (cloud == null) {
        throw new PreconditionException("this agent cannot replicate to a cloud site");
      }
      cloud.start(itemId, request.getCloudStorage());
    } else if (cloud != null) {
      cloud.targets().clear(itemId);
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

  /**
   * Copies one disk to the target from {@code startChunk}, or from the target's own persisted
   * progress when that is lower, so that a resumed copy never skips a chunk the target lacks.
   */
  public void copyDisk(
      String itemId,
      String diskId,
      long startChunk,
      Consumer<CopyProgress> progress,
      BooleanSupplier cancelled)
      throws IOException {
    copyDisk(itemId, diskId, startChunk, false, progress, cancelled);
  }

  /** As above; with {@code compress} (the item's policy) chunks go zstd-compressed when it pays. */
  public void copyDisk(
      String itemId,
      String diskId,
      long startChunk,
      boolean compress,
      Consumer<CopyProgress> progress,
      BooleanSupplier cancelled)
      throws IOException {
    ReplicationRecord record = activeSource(itemId);
    DiskPair pair =
        record
            .pairOf(diskId)
            .orElseThrow(
                () ->
                    new NotFoundException(
                        "item '" + itemId + "' has no source disk '" + diskId + "'"));
    if (!copying.add(diskId)) {
      throw new BusyException("a copy of disk '" + diskId + "' is already running");
    }
    try {
      var device = driver.device(record.vmId(), diskId);
      long total = CopyPlan.chunkCount(device.size());
      if (toCloud(itemId)) {
        // To a cloud site the whole view is uploaded; chunks already stored are skipped by name.
        long cloudChunks = (device.size() + (4 << 20) - 1) >> 22;
        Object once = new Object();
        dev.haven.cloud.replica.UploadTally tally;
        try (CopySnapshot view = device.beginSnapshot(0)) {
          tally =
              cloud.copyDisk(
                  itemId,
                  diskId,
                  view,
                  done -> {
                    // Progress (the activity's heartbeat) every 16 chunks, one sender at a time.
                    if (done % 16 == 0 && done < cloudChunks) {
                      synchronized (once) {
                        progress.accept(
                            InitialCopySender.progress(
                                diskId, done * total / cloudChunks, total, 0, 0, false));
                      }
                    }
                  });
        }
        store.update(itemId, r -> r.withCopy(new CopyState(diskId, total, total, true)));
        progress.accept(
            InitialCopySender.progress(
                diskId, total, total, tally.bytesPut(), tally.zeroChunks(), true));
        return;
      }
      long start = Math.min(Math.min(startChunk, targetNextChunk(record, pair)), total - 1);
      InitialCopySender.Result result;
      // The copy reads the disk as it is now (R11); later writes reach the target by the logs.
      try (CopySnapshot view = device.beginSnapshot(CopyPlan.chunkOffset(start))) {
        result =
            sender.copy(
                record.peerAddress(),
                itemId,
                diskId,
                pair.replicaDiskId(),
                view,
                start,
                compress,
                progress,
                cancelled);
      }
      long next = result.nextChunk();
      boolean done = next >= total;
      store.update(itemId, r -> r.withCopy(new CopyState(diskId, next, total, done)));
      progress.accept(
          InitialCopySender.progress(
              diskId, next, total, result.bytesSent(), result.zeroChunks(), done));
    } finally {
      copying.remove(diskId);
    }
  }

  // --- resync (R15) ---
  /**
   * Resynchronizes one disk with its replica by block hashes ({@link ResyncSender}); also the
   * seeding form of the initial copy. Sequences: every log sealed before the resync began (through
   * {@code lastSealedSeq}) wrote the image before the resync read it, so the resync covers it. Once
   * the target confirmed the last block and recorded that sequence as applied, those logs are
   * discarded here and acknowledged; writes made during the resync are in later logs (the live one
   * included), which the next cycle ships as {@code covered + 1} on. They may rewrite blocks the
   * resync already sent with the same data, which is harmless, as after the initial copy.
   */
  public void resyncDisk(
      ResyncDiskRequest request, Consumer<ResyncProgress> progress, BooleanSupplier cancelled)
      throws IOException {
    String itemId = request.getItemId();
    String diskId = request.getDiskId();
    ReplicationRecord record = activeSource(itemId);
    DiskPair pair =
        record
            .pairOf(diskId)
            .orElseThrow(
                () ->
                    new NotFoundException(
                        "item '" + itemId + "' has no source disk '" + diskId + "'"));
    int blockSize = BlockHasher.checkBlockSize(request.getBlockSize());
    if (!copying.add(diskId)) {
      throw new BusyException("a copy or resync of disk '" + diskId + "' is already running");
    }
    try {
      long covered = record.lastSealedSeq();
      var device = driver.device(record.vmId(), diskId);
      ResyncProgress last =
          resync.run(
              new ResyncSender.Job(
                  record.peerAddress(),
                  itemId,
                  diskId,
                  pair.replicaDiskId(),
                  device,
                  request.getStartBlock(),
                  blockSize,
                  request.getCompress(),
                  covered),
              progress,
              cancelled);
      if (!last.getDone()) {
        throw new PreconditionException("the target did not confirm the end of the resync");
      }
      driver.changeLogs(record.vmId(), diskId).discardThrough(covered);
      long chunks = CopyPlan.chunkCount(device.size());
      store.update(
          itemId,
          r -> r.withAcked(diskId, covered).withCopy(new CopyState(diskId, chunks, chunks, true)));
      // The replica is level with this disk again, so the mark that stopped delta replication
      // goes. Another disk that still lacks a log (or an image still cut short) marks the item
      // again at the next cycle's continuity check, so clearing per disk never hides a gap.
      store.recovery().update(itemId, i -> i.withResync(false, null));
      progress.accept(last);
    } finally {
      copying.remove(diskId);
    }
  }

  // --- end resync (R15) ---

  private long targetNextChunk(ReplicationRecord record, DiskPair pair) {
    ReplicationState remote =
        channels
            .agent(record.peerAddress())
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .getReplicationState(ItemRef.newBuilder().setItemId(record.itemId()).build());
    return remote.getCopiesList().stream()
        .filter(c -> c.getDiskId().equals(pair.replicaDiskId()))
        .mapToLong(DiskCopyState::getNextChunk)
        .findFirst()
        .orElse(0);
  }

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
}
