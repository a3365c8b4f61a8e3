package dev.haven.agent.replication;

import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an agent received (as target, per replica disk) or sent (as source, per source disk) of
 * initial copies since it started: chunks, bytes on the wire, and chunks handled more than once (a
 * resumed copy that went back over chunks already written or sent). Operators read it in logs;
 * fault tests count with it.
 */
public final class CopyTally {
  /** The counts of one replica disk. */
  public record Counts(long chunks, long bytes, long rewrittenChunks) {}

  private static final class Disk {
    private final BitSet written = new BitSet();
    private long chunks;
    private long bytes;
    private long rewritten;
  }

  private final Map<String, Disk> disks = new ConcurrentHashMap<>();

  void written(String replicaDiskId, long chunkIndex, long wireBytes) {
    Disk disk = disks.computeIfAbsent(replicaDiskId, id -> new Disk());
    synchronized (disk) {
      disk.chunks++;
      disk.bytes += wireBytes;
      if (disk.written.get((int) chunkIndex)) {
        disk.rewritten++;
      }
      disk.written.set((int) chunkIndex);
    }
  }

  /** The counts of one replica disk; zeros if nothing was received. */
  public Counts of(String replicaDiskId) {
    Disk disk = disks.get(replicaDiskId);
    if (disk == null) {
      return new Counts(0, 0, 0);
    }
    synchronized (disk) {
      return new Counts(disk.chunks, disk.bytes, disk.rewritten);
    }
  }
}
