package dev.haven.agent.replication;

import dev.haven.agent.NotFoundException;
import dev.haven.agent.PreconditionException;
import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.disk.Zeros;
import dev.haven.agent.replication.ReplicationRecord.PointRecord;
import dev.haven.agent.replication.ReplicationRecord.Role;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import dev.haven.agent.vm.VmSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Rebuilds a recovery point of an item at the target: the replica holds the newest applied logs,
 * and undoing them newest first from their {@link UndoJournal}s gives back every block as it was at
 * the point. Undoing is idempotent (each block ends with the old contents saved by the oldest log
 * after the point that touched it), so an in-place rollback cut short by a crash is simply redone.
 */
final class PointMaterializer {
  private static final int PIECE = 1 << 20;

  /** The point id that asks for the newest app-consistent point (R17). */
  static final String LATEST_APP_CONSISTENT = "latest-app-consistent";

  /** What was built: the point, the VM whose disks hold it, their SHA-256, logs undone. */
  record Result(PointRecord point, VmRecord vm, List<String> sha256, int logsUndone) {}

  private final TargetReplication target;
  private final FileVmDriver driver;
  private final ReplicationStateStore store;

  PointMaterializer(TargetReplication target) {
    this.target = target;
    this.driver = target.driver();
    this.store = target.store();
  }

  Result materialize(String itemId, String pointId, boolean inPlace, String copyName)
      throws IOException {
    ReplicationRecord record = store.require(itemId);
    if (record.role() != Role.TARGET) {
      throw new PreconditionException(
          "item '"
              + itemId
              + "' is not replicated to this agent; recovery points are at its target");
    }
    record = target.pruner().prune(itemId, System.currentTimeMillis());
    PointRecord point = find(record, pointId);
    RecoveryStore.Item recovery = store.recovery().get(itemId);
    if (recovery.rollbackPending() && (!inPlace || point.seq() > recovery.rollbackTo())) {
      throw new PreconditionException(
          "an interrupted rollback of item '"
              + itemId
              + "' to rp-"
              + recovery.rollbackTo()
              + " must finish first: materialize rp-"
              + recovery.rollbackTo()
              + " or an older point in place");
    }
    VmRecord replica = driver.require(record.vmId());
    if (inPlace && replica.poweredOn()) {
      throw new PreconditionException(
          "replica VM '" + replica.id() + "' is powered on; power it off to roll it back");
    }
    List<String> claimed = new ArrayList<>();
    try {
      for (String diskId : record.localDiskIds()) {
        target.claim(diskId);
        claimed.add(diskId);
      }
      List<List<Path>> journals = journals(replica, record, point);
      int undone = journals.stream().mapToInt(List::size).max().orElse(0);
      VmRecord vm =
          inPlace
              ? rollBack(itemId, replica, point, journals)
              : copy(replica, point, journals, copyName);
      return new Result(point, vm, hashes(vm), undone);
    } finally {
      claimed.forEach(target::release);
    }
  }

  private static PointRecord find(ReplicationRecord record, String pointId) {
    List<PointRecord> points =
        record.recoveryPoints().stream()
            .sorted(Comparator.comparingLong(PointRecord::seq).reversed())
            .toList();
    if (points.isEmpty()) {
      throw new PreconditionException("item '" + record.itemId() + "' has no recovery point yet");
    }
    if (pointId == null || pointId.isBlank()) {
      return points.get(0);
    }
    if (pointId.equals(LATEST_APP_CONSISTENT)) {
      return points.stream()
          .filter(PointRecord::appConsistent)
          .findFirst()
          .orElseThrow(
              () ->
                  new NotFoundException(
                      "item '" + record.itemId() + "' holds no app-consistent recovery point"));
    }
    return points.stream()
        .filter(p -> p.id().equals(pointId))
        .findFirst()
        .orElseThrow(
            () ->
                new NotFoundException(
                    "item '"
                        + record.itemId()
                        + "' has no recovery point '"
                        + pointId
                        + "' (pruned by retention, rolled back, or never made); it holds "
                        + points.stream().map(PointRecord::id).toList()));
  }

  /** Per replica disk, the journals to undo, newest first; each is checked whole first. */
  private List<List<Path>> journals(VmRecord replica, ReplicationRecord record, PointRecord point)
      throws IOException {
    Path folder = driver.folder(replica.id());
    List<List<Path>> out = new ArrayList<>();
    for (String diskId : record.localDiskIds()) {
      List<Path> disk = new ArrayList<>();
      for (long seq = record.diskSeq(diskId); seq > point.seq(); seq--) {
        Path journal = UndoJournal.file(folder, diskId, seq);
        UndoJournal.verify(journal);
        disk.add(journal);
      }
      out.add(disk);
    }
    return out;
  }

  private VmRecord rollBack(
      String itemId, VmRecord replica, PointRecord point, List<List<Path>> journals)
      throws IOException {
    // The intent is stored first: until the rollback is done no log may be applied, and a retry
    // after a crash redoes it.
    store.recovery().update(itemId, i -> i.withRollbackTo(point.seq()));
    List<String> disks = store.require(itemId).localDiskIds();
    for (int i = 0; i < disks.size(); i++) {
      BlockDevice device = driver.device(replica.id(), disks.get(i));
      for (Path journal : journals.get(i)) {
        UndoJournal.restore(journal, device);
      }
      device.flush();
    }
    store.update(itemId, r -> r.withRolledBackTo(point.seq()));
    // Every journal above the point goes, also those a rollback cut short left behind.
    Path folder = UndoJournal.folder(driver.folder(replica.id()));
    for (String diskId : disks) {
      for (RetentionPruner.Journal journal : RetentionPruner.journals(folder, diskId)) {
        if (journal.seq() > point.seq()) {
          Files.deleteIfExists(journal.file());
        }
      }
    }
    store.recovery().update(itemId, i -> i.withRollbackTo(-1));
    return driver.require(replica.id());
  }

  private VmRecord copy(
      VmRecord replica, PointRecord point, List<List<Path>> journals, String copyName)
      throws IOException {
    String name =
        copyName == null || copyName.isBlank() ? replica.name() + "-" + point.id() : copyName;
    VmRecord copy =
        driver.create(
            new VmSpec(
                name,
                replica.cpus(),
                replica.memoryMiB(),
                replica.disks().stream().map(VmDisk::sizeBytes).toList(),
                replica.networks(),
                ""));
    try {
      for (int i = 0; i < replica.disks().size(); i++) {
        BlockDevice from = driver.device(replica.id(), replica.disks().get(i).id());
        BlockDevice to = driver.device(copy.id(), copy.disks().get(i).id());
        copyBlocks(from, to);
        for (Path journal : journals.get(i)) {
          UndoJournal.restore(journal, to);
        }
        to.flush();
      }
    } catch (IOException | RuntimeException e) {
      // A copy cut short (a full disk, most often) is no VM anyone can use: it goes, so that a
      // failed failover or drill leaves no orphan behind and its retry starts clean.
      try {
        driver.delete(copy.id());
      } catch (IOException | RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    return copy;
  }

  /** Copies a disk, leaving all-zero pieces as holes of the new sparse image. */
  private static void copyBlocks(BlockDevice from, BlockDevice to) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(PIECE);
    for (long at = 0; at < from.size(); at += PIECE) {
      buffer.clear().limit((int) Math.min(PIECE, from.size() - at));
      from.read(at, buffer);
      buffer.flip();
      if (!Zeros.isAllZero(buffer.duplicate())) {
        to.write(at, buffer, false);
      }
    }
  }

  private List<String> hashes(VmRecord vm) throws IOException {
    List<String> out = new ArrayList<>();
    ByteBuffer buffer = ByteBuffer.allocate(PIECE);
    for (VmDisk disk : vm.disks()) {
      BlockDevice device = driver.device(vm.id(), disk.id());
      MessageDigest sha = Checksums.sha256();
      for (long at = 0; at < device.size(); at += PIECE) {
        buffer.clear().limit((int) Math.min(PIECE, device.size() - at));
        device.read(at, buffer);
        buffer.flip();
        sha.update(buffer);
      }
      out.add(Checksums.hex(sha.digest()));
    }
    return out;
  }
}
