package dev.haven.agent.replication;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one agent knows of one protected item, as stored in {@code replication/<itemId>.json}.
 *
 * <p>A source keeps per source disk the newest sequence the target acknowledged ({@code diskSeqs})
 * and its copy progress; a target keeps per replica disk the newest applied sequence and its copy
 * progress, and the recovery points. Instances are immutable; the {@code with…} methods answer
 * changed copies.
 */
public record ReplicationRecord(
    int version,
    String itemId,
    Role role,
    String vmId,
    String peerAddress,
    String peerVmId,
    boolean active,
    List<DiskPair> disks,
    long lastSealedSeq,
    long lastSealedAtMillis,
    long lastAckedSeq,
    long lastAppliedSeq,
    Map<String, Long> diskSeqs,
    List<CopyState> copies,
    List<PointRecord> recoveryPoints) {

  /** At most this many recovery points are kept, the newest ones. */
  static final int MAX_POINTS = 512;

  /** The role an agent plays for an item. */
  public enum Role {
    SOURCE,
    TARGET
  }

  /** A source disk and the replica disk it is copied to. */
  public record DiskPair(String sourceDiskId, String replicaDiskId) {}

  /** Initial-copy progress of one disk: the next chunk to copy, of how many. */
  public record CopyState(String diskId, long nextChunk, long totalChunks, boolean done) {}

  /** A recovery point held by the target: sequence {@code seq} applied on every disk. */
  public record PointRecord(String id, long seq, long createdAtMillis, boolean appConsistent) {}

  /** A new record with no sequences and no copy progress. */
  public static ReplicationRecord fresh(
      String itemId,
      Role role,
      String vmId,
      String peerAddress,
      String peerVmId,
      List<DiskPair> disks,
      List<CopyState> copies) {
    return new ReplicationRecord(
        1,
        itemId,
        role,
        vmId,
        peerAddress,
        peerVmId,
        true,
        List.copyOf(disks),
        0,
        0,
        0,
        0,
        Map.of(),
        List.copyOf(copies),
        List.of());
  }

  /**
   * The disks this agent owns for the item: source disks on a source, replica disks on a target.
   */
  public List<String> localDiskIds() {
    return disks.stream()
        .map(p -> role == Role.SOURCE ? p.sourceDiskId() : p.replicaDiskId())
        .toList();
  }

  /** The pair whose local disk (per role) is {@code diskId}. */
  public Optional<DiskPair> pairOf(String diskId) {
    return disks.stream()
        .filter(p -> (role == Role.SOURCE ? p.sourceDiskId() : p.replicaDiskId()).equals(diskId))
        .findFirst();
  }

  public Optional<CopyState> copy(String diskId) {
    return copies.stream().filter(c -> c.diskId().equals(diskId)).findFirst();
  }

  public boolean allCopiesDone() {
    return copies.stream().allMatch(CopyState::done);
  }

  /** The sequence of {@code diskId} (acknowledged on a source, applied on a target). */
  public long diskSeq(String diskId) {
    return diskSeqs.getOrDefault(diskId, 0L);
  }

  public ReplicationRecord withActive(boolean on) {
    Edit e = new Edit(this);
    e.active = on;
    return e.build();
  }

  public ReplicationRecord withCopy(CopyState state) {
    List<CopyState> next = new ArrayList<>();
    for (CopyState copy : copies) {
      next.add(copy.diskId().equals(state.diskId()) ? state : copy);
    }
    Edit e = new Edit(this);
    e.copies = List.copyOf(next);
    return e.build();
  }

  public ReplicationRecord withSealed(long seq, long sealedAtMillis) {
    Edit e = new Edit(this);
    e.lastSealedSeq = Math.max(seq, lastSealedSeq);
    e.lastSealedAtMillis = sealedAtMillis;
    return e.build();
  }

  /** Source: the target acknowledged {@code seq} for one disk. */
  public ReplicationRecord withAcked(String diskId, long seq) {
    Edit e = new Edit(this);
    e.diskSeqs = withDiskSeq(diskId, seq);
    e.lastAckedSeq = minOver(e.diskSeqs);
    return e.build();
  }

  /**
   * Target: {@code seq} was applied to one replica disk. When that completes the sequence on every
   * disk, it becomes a recovery point created at {@code sealedAtMillis}.
   */
  public ReplicationRecord withApplied(String diskId, long seq, long sealedAtMillis) {
    return withApplied(diskId, seq, sealedAtMillis, false);
  }

  /** As {@link #withApplied(String, long, long)}; the point is app-consistent if so marked. */
  public ReplicationRecord withApplied(
      String diskId, long seq, long sealedAtMillis, boolean appConsistent) {
    Edit e = new Edit(this);
    e.diskSeqs = withDiskSeq(diskId, seq);
    long applied = minOver(e.diskSeqs);
    if (applied > lastAppliedSeq) {
      List<PointRecord> next = new ArrayList<>(recoveryPoints);
      next.add(new PointRecord("rp-" + applied, applied, sealedAtMillis, appConsistent));
      e.recoveryPoints =
          List.copyOf(next.subList(Math.max(0, next.size() - MAX_POINTS), next.size()));
    }
    e.lastAppliedSeq = Math.max(applied, lastAppliedSeq);
    return e.build();
  }

  /** Target: keeps only {@code kept} of the recovery points (retention pruned the others). */
  public ReplicationRecord withPoints(List<PointRecord> kept) {
    Edit e = new Edit(this);
    e.recoveryPoints = List.copyOf(kept);
    return e.build();
  }

  /**
   * Target: the replica was rolled back in place to point {@code seq}: every disk is at that
   * sequence and the newer points are gone.
   */
  public ReplicationRecord withRolledBackTo(long seq) {
    Map<String, Long> seqs = new HashMap<>();
    localDiskIds().forEach(d -> seqs.put(d, Math.min(seq, diskSeq(d))));
    Edit e = new Edit(this);
    e.diskSeqs = Map.copyOf(seqs);
    e.lastAppliedSeq = Math.min(seq, lastAppliedSeq);
    e.recoveryPoints = recoveryPoints.stream().filter(p -> p.seq() <= seq).toList();
    return e.build();
  }

  /**
   * A copy of a record whose progress fields can change; identity (item, role, VM, peer, disks)
   * never does, so the withers above name only what they change.
   */
  private static final class Edit {
    private final ReplicationRecord from;
    boolean active;
    long lastSealedSeq;
    long lastSealedAtMillis;
    long lastAckedSeq;
    long lastAppliedSeq;
    Map<String, Long> diskSeqs;
    List<CopyState> copies;
    List<PointRecord> recoveryPoints;

    Edit(ReplicationRecord from) {
      this.from = from;
      this.active = from.active;
      this.lastSealedSeq = from.lastSealedSeq;
      this.lastSealedAtMillis = from.lastSealedAtMillis;
      this.lastAckedSeq = from.lastAckedSeq;
      this.lastAppliedSeq = from.lastAppliedSeq;
      this.diskSeqs = from.diskSeqs;
      this.copies = from.copies;
      this.recoveryPoints = from.recoveryPoints;
    }

    ReplicationRecord build() {
      return new ReplicationRecord(
          from.version,
          from.itemId,
          from.role,
          from.vmId,
          from.peerAddress,
          from.peerVmId,
          active,
          from.disks,
          lastSealedSeq,
          lastSealedAtMillis,
          lastAckedSeq,
          lastAppliedSeq,
          diskSeqs,
          copies,
          recoveryPoints);
    }
  }

  private Map<String, Long> withDiskSeq(String diskId, long seq) {
    Map<String, Long> seqs = new HashMap<>(diskSeqs);
    seqs.merge(diskId, seq, Math::max);
    return Map.copyOf(seqs);
  }

  private long minOver(Map<String, Long> seqs) {
    return localDiskIds().stream().mapToLong(d -> seqs.getOrDefault(d, 0L)).min().orElse(0);
  }
}
