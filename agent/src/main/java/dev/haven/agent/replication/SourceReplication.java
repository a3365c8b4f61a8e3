package dev.haven.agent.replication;

import dev.haven.agent.cloud.CloudSource;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.ResyncDiskRequest;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.client.AgentChannels;
import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The source side of an item: starting replication ({@link ReplicationStart}), the initial copy of
 * its disks ({@link InitialCopy}) and their resync ({@link DiskResync}), to a target agent or to an
 * attached cloud site.
 */
public final class SourceReplication {
  private final CopyTally sentTally = new CopyTally();
  private final ActiveSourceDisks disks;
  private final ReplicationStart starter;
  private final InitialCopy initialCopy;
  private final DiskResync resync;
  private volatile CloudSource cloud;

  public SourceReplication(
      FileVmDriver driver, ReplicationStateStore store, AgentChannels channels) {
    this.disks = new ActiveSourceDisks(store);
    this.starter = new ReplicationStart(driver, store, this::cloud);
    this.initialCopy =
        new InitialCopy(
            driver,
            store,
            channels,
            new InitialCopySender(channels, sentTally),
            disks,
            this::cloud);
    this.resync = new DiskResync(driver, store, new ResyncSender(channels), disks);
  }

  /** What this agent sent of initial copies since it started; a chunk sent again counts as such. */
  public CopyTally sentTally() {
    return sentTally;
  }

  /** Lets items replicate to a cloud site's object store (issue 8); AgentServer attaches it. */
  public void attachCloud(CloudSource cloud) {
    this.cloud = cloud;
  }

  /** The cloud side of this source, or null when none is attached. */
  public CloudSource cloud() {
    return cloud;
  }

  /**
   * Starts tracking the VM's writes for the item. A second call for an active item answers its
   * state and changes nothing. Otherwise (a new item, or one stopped here, for example before
   * replicating in the reverse direction) replication starts afresh: older logs are discarded, the
   * item's sequences start at 1, and every disk needs its initial copy.
   */
  public synchronized ReplicationRecord start(StartReplicationRequest request) throws IOException {
    return starter.start(request);
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
    initialCopy.copyDisk(itemId, diskId, startChunk, compress, progress, cancelled);
  }

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
    resync.resyncDisk(request, progress, cancelled);
  }

  ReplicationRecord activeSource(String itemId) {
    return disks.activeSource(itemId);
  }
}
