package dev.haven.agent.replication;

import dev.haven.agent.BusyException;
import dev.haven.agent.PreconditionException;
import dev.haven.agent.changelog.DiskChangeLogs;
import dev.haven.agent.changelog.SealedLog;
import dev.haven.agent.replication.ReplicationRecord.DiskPair;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.protocol.ApplyOutcome;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.ShipLogResponse;
import dev.haven.protocol.client.AgentChannels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One delta-replication cycle of a source item: seal every disk's live log at one sequence, then
 * ship every sealed log the target has not acknowledged, oldest sequence first, and discard each
 * log once the target acknowledges it. A cycle that fails half-way leaves the unshipped logs for
 * the next one.
 */
public final class ReplicationCycle {
  private final FileVmDriver driver;
  private final ReplicationStateStore store;
  private final SourceReplication source;
  private final LogShipper shipper;
  private final LogContinuity continuity;
  private final Set<String> running = ConcurrentHashMap.newKeySet();

  public ReplicationCycle(
      FileVmDriver driver,
      ReplicationStateStore store,
      SourceReplication source,
      AgentChannels channels) {
    this.driver = driver;
    this.store = store;
    this.source = source;
    this.shipper = new LogShipper(channels);
    this.continuity = new LogContinuity(store);
  }

  public ReplicateCycleResponse run(String itemId) throws IOException {
    ReplicationRecord record = source.activeSource(itemId);
    List<String> notCopied =
        record.copies().stream().filter(c -> !c.done()).map(c -> c.diskId()).toList();
    if (!notCopied.isEmpty()) {
      throw new PreconditionException(
          "item '" + itemId + "' cannot replicate deltas before the initial copy of " + notCopied);
    }
    if (!running.add(itemId)) {
      throw new BusyException("a replication cycle of item '" + itemId + "' is already running");
    }
    try {
      continuity.requireNoResync(itemId);
      continuity.checkImages(itemId, driver.require(record.vmId()));
      List<DiskChangeLogs> logs = new ArrayList<>();
      for (DiskPair pair : record.disks()) {
        logs.add(driver.changeLogs(record.vmId(), pair.sourceDiskId()));
      }
      AppConsistency.Sealed cut = AppConsistency.seal(store, record, logs);
      VmSealer.Sealed sealed = cut.sealed();
      record = store.update(itemId, r -> r.withSealed(sealed.seq(), sealed.sealedAtMillis()));
      Shipped shipped = shipPending(record, logs);
      long acked = store.require(itemId).lastAckedSeq();
      store.recovery().update(itemId, i -> i.withAckedThrough(acked));
      long pending = 0;
      for (DiskChangeLogs disk : logs) {
        pending += disk.pendingBytes();
      }
      return ReplicateCycleResponse.newBuilder()
          .setSealedSeq(sealed.seq())
          .setAckedSeq(store.require(itemId).lastAckedSeq())
          .setBytesShipped(shipped.bytes())
          .setLogsShipped(shipped.logs())
          .setSealedAtMillis(sealed.sealedAtMillis())
          .setPendingBytes(pending)
          .setAppConsistent(cut.quiesce() != null && cut.quiesce().succeeded())
          .setLogBytes(shipped.logBytes())
          .setQuiesce(AppConsistency.message(cut.quiesce()))
          .build();
    } finally {
      running.remove(itemId);
    }
  }

  private record Shipped(long bytes, int logs, long logBytes) {}

  private Shipped shipPending(ReplicationRecord record, List<DiskChangeLogs> logs)
      throws IOException {
    TreeSet<Long> seqs = new TreeSet<>();
    List<List<SealedLog>> perDisk = new ArrayList<>();
    for (DiskChangeLogs disk : logs) {
      List<SealedLog> sealed = disk.sealed();
      perDisk.add(sealed);
      sealed.forEach(log -> seqs.add(log.seq()));
    }
    long bytes = 0;
    long logBytes = 0;
    int count = 0;
    String itemId = record.itemId();
    for (int i = 0; i < logs.size(); i++) {
      String diskId = record.disks().get(i).sourceDiskId();
      continuity.checkLogs(
          itemId, diskId, record.diskSeq(diskId), record.lastSealedSeq(), perDisk.get(i));
    }
    RecoveryStore.Item marks = store.recovery().get(itemId);
    // Sequence by sequence, so that each finished sequence is a recovery point at the target.
    boolean toCloud = source.cloud() != null && source.cloud().replicatesToCloud(itemId);
    for (long seq : seqs) {
      if (toCloud) {
        Shipped up = shipToCloud(record, logs, perDisk, seq, marks.appConsistent(seq));
        bytes += up.bytes();
        logBytes += up.logBytes();
        count += up.logs();
        continue;
      }
      for (int i = 0; i < logs.size(); i++) {
        DiskPair pair = record.disks().get(i);
        SealedLog log = unacknowledged(itemId, pair, logs.get(i), perDisk.get(i), seq);
        if (log == null) {
          continue;
        }
        LogShipper.Shipped sent =
            shipper.ship(
                record.peerAddress(),
                itemId,
                pair.replicaDiskId(),
                log,
                record.disks().size(),
                marks.appConsistent(seq));
        ShipLogResponse answer = sent.response();
        if (answer.getOutcome() != ApplyOutcome.APPLIED
            && answer.getOutcome() != ApplyOutcome.ALREADY_APPLIED) {
          throw new IOException("target answered " + answer.getOutcome() + " for log " + seq);
        }
        // The acknowledgement is stored before the log goes, so a crash in between only leaves a
        // log that the next cycle recognizes as acknowledged and discards.
        store.update(itemId, r -> r.withAcked(pair.sourceDiskId(), seq));
        logs.get(i).discardThrough(seq);
        bytes += sent.bytesSent();
        logBytes += log.dataBytes();
        count++;
      }
    }
    return new Shipped(bytes, count, logBytes);
  }

  /**
   * Uploads one sequence's logs of every disk to the cloud site and records its point there; each
   * log is acknowledged and discarded only after the point's manifest is stored.
   */
  private Shipped shipToCloud(
      ReplicationRecord record,
      List<DiskChangeLogs> logs,
      List<List<SealedLog>> perDisk,
      long seq,
      boolean appConsistent)
      throws IOException {
    String itemId = record.itemId();
    java.util.Map<String, SealedLog> toShip = new java.util.LinkedHashMap<>();
    List<String> diskIds = new ArrayList<>();
    long sealedAt = 0;
    for (int i = 0; i < logs.size(); i++) {
      DiskPair pair = record.disks().get(i);
      diskIds.add(pair.sourceDiskId());
      SealedLog log = unacknowledged(itemId, pair, logs.get(i), perDisk.get(i), seq);
      if (log == null) {
        continue;
      }
      toShip.put(pair.sourceDiskId(), log);
      sealedAt = Math.max(sealedAt, log.sealedAtMillis());
    }
    if (toShip.isEmpty()) {
      return new Shipped(0, 0, 0);
    }
    long bytes = source.cloud().ship(itemId, diskIds, seq, toShip, appConsistent, sealedAt);
    // Points past retention go as soon as a newer one exists (the latest is always kept).
    source
        .cloud()
        .collect(
            itemId, store.recovery().get(itemId).retentionMillis(), System.currentTimeMillis());
    long logBytes = 0;
    for (int i = 0; i < logs.size(); i++) {
      DiskPair pair = record.disks().get(i);
      SealedLog log = toShip.get(pair.sourceDiskId());
      if (log != null) {
        store.update(itemId, r -> r.withAcked(pair.sourceDiskId(), seq));
        logs.get(i).discardThrough(seq);
        logBytes += log.dataBytes();
      }
    }
    return new Shipped(bytes, toShip.size(), logBytes);
  }

  /**
   * The disk's sealed log of {@code seq} that still has to be shipped, or null when the disk sealed
   * none with that sequence or the target acknowledged it before a crash kept it from being
   * discarded; such a log is discarded now.
   */
  private SealedLog unacknowledged(
      String itemId, DiskPair pair, DiskChangeLogs diskLogs, List<SealedLog> sealed, long seq)
      throws IOException {
    SealedLog log = find(sealed, seq);
    if (log == null) {
      return null;
    }
    if (seq <= store.require(itemId).diskSeq(pair.sourceDiskId())) {
      diskLogs.discardThrough(seq);
      return null;
    }
    return log;
  }

  private static SealedLog find(List<SealedLog> logs, long seq) {
    for (SealedLog log : logs) {
      if (log.seq() == seq) {
        return log;
      }
    }
    return null;
  }
}
