package dev.haven.agent.replication;

import dev.haven.agent.changelog.DiskChangeLogs;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Seals the live logs of every disk of a VM at one sequence, holding all of their locks at once: no
 * write on any disk falls between the disks' seals, so a sequence is one consistent cut across the
 * VM (a crash-consistent recovery point).
 */
final class VmSealer {
  private VmSealer() {}

  /** The sequence sealed and its seal time. */
  record Sealed(long seq, long sealedAtMillis) {}

  static Sealed sealAll(List<DiskChangeLogs> disks) throws IOException {
    // A fixed order of locking keeps two sealers of overlapping disks from deadlocking.
    List<DiskChangeLogs> ordered = new ArrayList<>(disks);
    ordered.sort(Comparator.comparing(DiskChangeLogs::diskId));
    List<DiskChangeLogs> locked = new ArrayList<>();
    try {
      for (DiskChangeLogs logs : ordered) {
        logs.lock().lock();
        locked.add(logs);
      }
      long seq = 0;
      for (DiskChangeLogs logs : disks) {
        seq = Math.max(seq, logs.liveSeq());
      }
      long sealedAt = System.currentTimeMillis();
      // A disk left behind by a seal that failed half-way catches up first, so that every disk's
      // live log has the same sequence again.
      for (DiskChangeLogs logs : disks) {
        while (logs.liveSeq() < seq) {
          logs.sealLocked(sealedAt);
        }
      }
      for (DiskChangeLogs logs : disks) {
        logs.sealLocked(sealedAt);
      }
      return new Sealed(seq, sealedAt);
    } finally {
      for (DiskChangeLogs logs : locked) {
        logs.lock().unlock();
      }
    }
  }
}
