package dev.haven.cloud.replica;

import dev.haven.cloud.layout.ChunkRef;
import dev.haven.cloud.layout.CloudKeys;
import dev.haven.cloud.layout.DiskManifest;
import dev.haven.cloud.layout.LogPartRef;
import dev.haven.cloud.layout.PointManifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Garbage collection of an item's replica (R13 retention for a cloud site). Points older than the
 * oldest one to keep go; so that the kept points need none of their objects, the base is first
 * folded forward to the oldest kept point: every chunk that a log up to that point touched is
 * rebuilt (in a sparse scratch file, so memory stays bounded) and stored under its content name,
 * and every kept manifest is rewritten over the new base with only the logs after it. Then the
 * expired manifests are deleted, and last every object of the item that no manifest names.
 *
 * <p>Each step leaves a consistent replica if it is cut short: rewritten manifests name objects
 * that exist, and nothing is deleted before every kept manifest has been rewritten. It must run
 * under the item's lock, between uploads (the agent serializes them per item), because an object
 * uploaded for a manifest not yet written is named by none.
 */
public final class RetentionCollector {
  private final CloudReplica replica;
  private final Path scratchDir;

  public RetentionCollector(CloudReplica replica, Path scratchDir) {
    this.replica = replica;
    this.scratchDir = scratchDir;
  }

  /** What a collection removed. */
  public record Collected(List<Long> pointsDeleted, int objectsDeleted, long generation) {}

  /**
   * The oldest point to keep: the oldest created within {@code retentionMillis} of {@code
   * nowMillis}, and never newer than the latest point (which is always kept).
   */
  public static long oldestKept(List<PointManifest> points, long nowMillis, long retentionMillis) {
    long latest = points.get(points.size() - 1).seq();
    return points.stream()
        .filter(p -> p.createdAtMillis() >= nowMillis - retentionMillis)
        .mapToLong(PointManifest::seq)
        .min()
        .orElse(latest);
  }

  /** Deletes every point before {@code oldestKeptSeq} and every object no kept point needs. */
  public Collected collect(long oldestKeptSeq) throws IOException {
    List<Long> seqs = replica.pointSeqs();
    List<Long> expired = seqs.stream().filter(s -> s < oldestKeptSeq).toList();
    List<Long> kept = seqs.stream().filter(s -> s >= oldestKeptSeq).toList();
    if (kept.isEmpty()) {
      throw new IllegalArgumentException(
          "no point at or after " + oldestKeptSeq + " to keep; the latest point is always kept");
    }
    PointManifest oldest = replica.manifest(kept.get(0));
    if (oldest.generation() < oldest.seq()) {
      Map<String, DiskManifest> folded = new HashMap<>();
      for (DiskManifest disk : oldest.disks()) {
        folded.put(disk.diskId(), fold(disk));
      }
      for (long seq : kept) {
        PointManifest m = replica.manifest(seq);
        List<DiskManifest> disks = new ArrayList<>();
        for (DiskManifest d : m.disks()) {
          DiskManifest base = folded.get(d.diskId());
          List<LogPartRef> after = d.logs().stream().filter(l -> l.seq() > oldest.seq()).toList();
          disks.add(
              new DiskManifest(d.diskId(), d.sizeBytes(), d.chunkBytes(), base.chunks(), after));
        }
        replica.writeManifest(
            new PointManifest(
                m.itemId(), m.seq(), m.createdAtMillis(), m.appConsistent(), oldest.seq(), disks));
      }
    }
    for (long seq : expired) {
      replica.store().delete(CloudKeys.point(replica.itemId(), seq));
    }
    Set<String> named = new HashSet<>();
    named.add(CloudKeys.dataKey(replica.itemId()));
    for (long seq : replica.pointSeqs()) {
      named.add(CloudKeys.point(replica.itemId(), seq));
      for (DiskManifest d : replica.manifest(seq).disks()) {
        d.chunks().forEach(c -> named.add(c.key()));
        d.logs().forEach(l -> named.add(l.key()));
      }
    }
    int deleted = 0;
    for (String key : replica.store().list(CloudKeys.item(replica.itemId()))) {
      if (!named.contains(key)) {
        replica.store().delete(key);
        deleted++;
      }
    }
    return new Collected(expired, deleted, Math.max(oldest.generation(), oldest.seq()));
  }

  /** The disk's base at its point: the chunks its logs touched rebuilt and stored. */
  private DiskManifest fold(DiskManifest disk) throws IOException {
    Files.createDirectories(scratchDir);
    Path scratch = Files.createTempFile(scratchDir, "fold-" + disk.diskId(), ".raw");
    Map<Integer, ChunkRef> base = new HashMap<>();
    disk.chunks().forEach(c -> base.put(c.index(), c));
    BitSet loaded = new BitSet();
    int chunkBytes = disk.chunkBytes();
    try (FileChannel file =
        FileChannel.open(scratch, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      for (LogPartRef part : disk.logs()) {
        byte[] plain = replica.getVerified(part.key(), part.sha256());
        List<dev.haven.cloud.layout.Extent> extents = new ArrayList<>();
        dev.haven.cloud.layout.LogObjects.forEach(part.key(), plain, extents::add);
        for (var e : extents) {
          int first = (int) (e.offset() / chunkBytes);
          int last = (int) ((e.offset() + Math.max(1, e.length()) - 1) / chunkBytes);
          for (int i = first; i <= last; i++) {
            if (!loaded.get(i)) {
              loaded.set(i);
              ChunkRef ref = base.get(i);
              if (ref != null) {
                Materializer.writeFully(
                    file, replica.getVerified(ref.key(), ref.sha256()), (long) i * chunkBytes);
              }
            }
          }
        }
        Materializer.applyPart(part.key(), plain, file);
      }
      Map<Integer, ChunkRef> chunks = new HashMap<>(base);
      byte[] buffer = new byte[chunkBytes];
      for (int i = loaded.nextSetBit(0); i >= 0; i = loaded.nextSetBit(i + 1)) {
        long offset = (long) i * chunkBytes;
        int length = (int) Math.min(chunkBytes, disk.sizeBytes() - offset);
        ByteBuffer into = ByteBuffer.wrap(buffer, 0, length);
        while (into.hasRemaining()) {
          if (file.read(into, offset + into.position()) < 0) {
            // Past the scratch file's end: bytes never written read as zeros.
            java.util.Arrays.fill(buffer, into.position(), length, (byte) 0);
            break;
          }
        }
        chunks.remove(i);
        if (!BaseUploader.isZero(buffer, length)) {
          String sha = CloudReplica.sha256(buffer, length);
          String key = replica.chunkKey(disk.diskId(), sha);
          if (!replica.store().exists(key)) {
            replica.putSealed(key, java.util.Arrays.copyOf(buffer, length));
          }
          chunks.put(i, new ChunkRef(i, key, sha));
        }
      }
      List<ChunkRef> sorted = new ArrayList<>(chunks.values());
      sorted.sort(java.util.Comparator.comparingInt(ChunkRef::index));
      return new DiskManifest(disk.diskId(), disk.sizeBytes(), chunkBytes, sorted, List.of());
    } finally {
      Files.deleteIfExists(scratch);
    }
  }
}
