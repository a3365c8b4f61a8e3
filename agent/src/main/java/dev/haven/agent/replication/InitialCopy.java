package dev.haven.agent.replication;

import dev.haven.agent.cloud.CloudSource;
import dev.haven.agent.disk.CopySnapshot;
import dev.haven.agent.disk.TrackedDisk;
import dev.haven.agent.replication.ReplicationRecord.CopyState;
import dev.haven.agent.replication.ReplicationRecord.DiskPair;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.DiskCopyState;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.client.AgentChannels;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The initial copy of one source disk, to the target agent (resumable by chunk) or, for an item
 * that replicates to a cloud site, to its object store; either way the disk's copy state is stored.
 */
final class InitialCopy {
  private final FileVmDriver driver;
  private final ReplicationStateStore store;
  private final AgentChannels channels;
  private final InitialCopySender sender;
  private final ActiveSourceDisks disks;
  private final Supplier<CloudSource> cloud;

  /** {@code cloud} answers the attached cloud side, or null when none is. */
  InitialCopy(
      FileVmDriver driver,
      ReplicationStateStore store,
      AgentChannels channels,
      InitialCopySender sender,
      ActiveSourceDisks disks,
      Supplier<CloudSource> cloud) {
    this.driver = driver;
    this.store = store;
    this.channels = channels;
    this.sender = sender;
    this.disks = disks;
    this.cloud = cloud;
  }

  /**
   * See {@link SourceReplication#copyDisk(String, String, long, boolean, Consumer,
   * BooleanSupplier)}.
   */
  void copyDisk(
      String itemId,
      String diskId,
      long startChunk,
      boolean compress,
      Consumer<CopyProgress> progress,
      BooleanSupplier cancelled)
      throws IOException {
    ReplicationRecord record = disks.activeSource(itemId);
    DiskPair pair = ActiveSourceDisks.pairOf(record, diskId);
    disks.claim(diskId, "a copy");
    try {
      var device = driver.device(record.vmId(), diskId);
      long total = CopyPlan.chunkCount(device.size());
      CloudSource cloudSide = cloud.get();
      if (cloudSide != null && cloudSide.replicatesToCloud(itemId)) {
        copyToCloud(cloudSide, itemId, diskId, device, total, progress);
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
      disks.release(diskId);
    }
  }

  /** To a cloud site the whole view is uploaded; chunks already stored are skipped by name. */
  private void copyToCloud(
      CloudSource cloudSide,
      String itemId,
      String diskId,
      TrackedDisk device,
      long total,
      Consumer<CopyProgress> progress)
      throws IOException {
    long cloudChunks = (device.size() + (4 << 20) - 1) >> 22;
    Object once = new Object();
    dev.haven.cloud.replica.UploadTally tally;
    try (CopySnapshot view = device.beginSnapshot(0)) {
      tally =
          cloudSide.copyDisk(
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
  }

  /** The target's own persisted copy progress for the pair's replica disk, 0 when it has none. */
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
}
