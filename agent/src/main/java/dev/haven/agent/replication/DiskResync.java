package dev.haven.agent.replication;

import dev.haven.agent.PreconditionException;
import dev.haven.agent.replication.ReplicationRecord.CopyState;
import dev.haven.agent.replication.ReplicationRecord.DiskPair;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.protocol.ResyncDiskRequest;
import dev.haven.protocol.ResyncProgress;
import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Resync (R15) of one source disk with its replica by block hashes ({@link ResyncSender}), and what
 * it settles once the target confirms it: the logs it covered, the copy state and the item's resync
 * mark.
 */
final class DiskResync {
  private final FileVmDriver driver;
  private final ReplicationStateStore store;
  private final ResyncSender resync;
  private final ActiveSourceDisks disks;

  DiskResync(
      FileVmDriver driver,
      ReplicationStateStore store,
      ResyncSender resync,
      ActiveSourceDisks disks) {
    this.driver = driver;
    this.store = store;
    this.resync = resync;
    this.disks = disks;
  }

  /** See {@link SourceReplication#resyncDisk}. */
  void resyncDisk(
      ResyncDiskRequest request, Consumer<ResyncProgress> progress, BooleanSupplier cancelled)
      throws IOException {
    String itemId = request.getItemId();
    String diskId = request.getDiskId();
    ReplicationRecord record = disks.activeSource(itemId);
    DiskPair pair = ActiveSourceDisks.pairOf(record, diskId);
    int blockSize = BlockHasher.checkBlockSize(request.getBlockSize());
    disks.claim(diskId, "a copy or resync");
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
      disks.release(diskId);
    }
  }
}
