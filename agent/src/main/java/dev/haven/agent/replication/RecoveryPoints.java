package dev.haven.agent.replication;

import dev.haven.agent.replication.ReplicationRecord.PointRecord;
import dev.haven.agent.replication.ReplicationRecord.Role;
import dev.haven.agent.vm.VmRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The agent's recovery-point commands (R13/R20): an item's policy, its points with the journal
 * space each holds, and materializing one of them. The service layer calls only this class.
 */
public final class RecoveryPoints {
  /** A point as listed: newest first, with the undo-journal bytes that only it needs. */
  public record Listed(PointRecord point, long journalBytes) {}

  /** A materialized point: the VM whose disks hold it, their SHA-256, how many logs were undone. */
  public record Materialized(PointRecord point, VmRecord vm, List<String> sha256, int logsUndone) {}

  private final TargetReplication target;
  private final ReplicationStateStore store;
  private final PointMaterializer materializer;

  public RecoveryPoints(TargetReplication target) {
    this.target = target;
    this.store = target.store();
    this.materializer = new PointMaterializer(target);
  }

  /** Stores the item's retention and app-consistent frequency; a target prunes at once. */
  public RecoveryStore.Item setPolicy(String itemId, long retentionMillis, long appEveryMillis)
      throws IOException {
    if (retentionMillis < 0) {
      throw new IllegalArgumentException("retention_millis must not be negative");
    }
    if (appEveryMillis < 0) {
      throw new IllegalArgumentException("app_consistent_every_millis must not be negative");
    }
    ReplicationRecord record = store.require(itemId);
    RecoveryStore.Item item =
        store.recovery().update(itemId, i -> i.withPolicy(retentionMillis, appEveryMillis));
    if (record.role() == Role.TARGET) {
      target.pruner().prune(itemId, System.currentTimeMillis());
    }
    return item;
  }

  public RecoveryStore.Item policy(String itemId) throws IOException {
    store.require(itemId);
    return store.recovery().get(itemId);
  }

  /** The item's points in retention, newest first (older ones are pruned on the way). */
  public List<Listed> list(String itemId) throws IOException {
    ReplicationRecord record = target.pruner().prune(itemId, System.currentTimeMillis());
    List<PointRecord> points =
        record.recoveryPoints().stream()
            .sorted(Comparator.comparingLong(PointRecord::seq).reversed())
            .toList();
    List<RetentionPruner.Journal> journals = new ArrayList<>();
    if (record.role() == Role.TARGET && target.driver().find(record.vmId()).isPresent()) {
      Path folder = UndoJournal.folder(target.driver().folder(record.vmId()));
      for (String diskId : record.localDiskIds()) {
        journals.addAll(RetentionPruner.journals(folder, diskId));
      }
    }
    List<Listed> out = new ArrayList<>();
    long newer = Long.MAX_VALUE;
    for (PointRecord point : points) {
      // Pruning this point frees the journals between it and the next newer point.
      long upTo = newer;
      long bytes =
          journals.stream()
              .filter(j -> j.seq() > point.seq() && j.seq() <= upTo && upTo != Long.MAX_VALUE)
              .mapToLong(RetentionPruner.Journal::bytes)
              .sum();
      out.add(new Listed(point, bytes));
      newer = point.seq();
    }
    return out;
  }

  /** Rebuilds a point in place (rolling the replica back) or into a new VM. */
  public Materialized materialize(String itemId, String pointId, boolean inPlace, String copyName)
      throws IOException {
    PointMaterializer.Result r = materializer.materialize(itemId, pointId, inPlace, copyName);
    return new Materialized(r.point(), r.vm(), r.sha256(), r.logsUndone());
  }
}
