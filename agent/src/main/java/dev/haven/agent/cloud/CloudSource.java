package dev.haven.agent.cloud;

import dev.haven.agent.changelog.SealedLog;
import dev.haven.agent.disk.DiskView;
import dev.haven.cloud.layout.CloudKeys;
import dev.haven.cloud.layout.DiskManifest;
import dev.haven.cloud.layout.Extent;
import dev.haven.cloud.layout.LogObjects;
import dev.haven.cloud.layout.LogPartRef;
import dev.haven.cloud.layout.PointManifest;
import dev.haven.cloud.replica.BaseUploader;
import dev.haven.cloud.replica.CloudReplica;
import dev.haven.cloud.replica.RetentionCollector;
import dev.haven.cloud.replica.UploadTally;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * The source side of replication to a cloud site (R6): this agent writes the item's disks into the
 * site's object store itself. The initial copy uploads each disk's point-in-time view as a base
 * generation of content-named chunks; each delta cycle uploads every disk's sealed log as log
 * objects and then, only once they all exist, the point's manifest. A log is acknowledged (and
 * discarded) only after its point's manifest is stored, so a crash re-uploads at worst; the same
 * keys are written again.
 *
 * <p>When replication starts afresh for an item the store already holds points of (reprotection
 * after a failback), the first copy first folds the store's newest point into a base generation, so
 * that the copy uploads only chunks whose contents differ from it; the older points go when the new
 * first point is written, since the new sequences start at 1 again.
 */
public final class CloudSource {
  private static final int LOG_PART_BYTES = 32 << 20;

  private final CloudStores stores;
  private final CloudTargets targets;
  private final Path scratch;

  public CloudSource(Path dataDir, CloudStores stores) {
    this.stores = stores;
    this.targets = new CloudTargets(dataDir);
    this.scratch = dataDir.resolve("cloud").resolve("scratch");
  }

  public CloudTargets targets() {
    return targets;
  }

  /** Whether {@code itemId} replicates to a cloud site from this agent. */
  public boolean replicatesToCloud(String itemId) throws IOException {
    return targets.location(itemId).isPresent();
  }

  /**
   * Records that the item replicates to the store at {@code location}; checks the keyring and the
   * store first, so that a misconfigured agent fails at the start, not at the first upload.
   */
  public void start(String itemId, String location) throws IOException {
    stores.replica(location, itemId);
    targets.set(itemId, location);
  }

  /** Uploads one disk's view as its base generation; returns what the upload did. */
  public UploadTally copyDisk(String itemId, String diskId, DiskView view, LongConsumer chunksDone)
      throws IOException {
    String location = targets.location(itemId).orElseThrow();
    CloudReplica replica = stores.replica(location, itemId);
    foldLatestOnce(itemId, replica);
    DiskReader reader = new DiskReader(view);
    BaseUploader.Result result =
        new BaseUploader(
                replica,
                BaseUploader.DEFAULT_CHUNK_BYTES,
                // Four per core: each put waits on the store (a folder forces every object), and
                // more uploads in flight keep the cores busy meanwhile (measured: 2 GiB in 4.2 s
                // with 8 threads on 2 cores, 5.6 s with 4).
                Math.max(4, 4 * Runtime.getRuntime().availableProcessors()))
            .upload(diskId, view.size(), reader, Set.of(), chunksDone);
    targets.putBase(itemId, result.base());
    return result.tally();
  }

  /**
   * Uploads sequence {@code seq}'s logs (source disk id to sealed log) and records its point;
   * returns the bytes put.
   */
  public long ship(
      String itemId,
      List<String> diskIds,
      long seq,
      Map<String, SealedLog> logs,
      boolean appConsistent,
      long sealedAtMillis)
      throws IOException {
    String location = targets.location(itemId).orElseThrow();
    CloudReplica replica = stores.replica(location, itemId);
    Map<String, List<LogPartRef>> parts = new HashMap<>();
    long bytes = 0;
    for (Map.Entry<String, SealedLog> entry : logs.entrySet()) {
      List<Extent> extents = new ArrayList<>();
      entry
          .getValue()
          .forEach(
              e ->
                  extents.add(
                      e.zero()
                          ? Extent.zeros(e.offset(), e.length())
                          : Extent.of(e.offset(), e.data())));
      List<byte[]> plain = LogObjects.encode(extents, LOG_PART_BYTES);
      parts.put(entry.getKey(), replica.uploadLog(entry.getKey(), seq, plain));
      for (byte[] p : plain) {
        bytes += p.length;
      }
    }
    Map<String, DiskManifest> bases = new LinkedHashMap<>();
    for (String diskId : diskIds) {
      targets.base(itemId, diskId).ifPresent(base -> bases.put(diskId, base));
    }
    Optional<PointManifest> latest = replica.latest();
    if (!bases.isEmpty() && !alreadyRecorded(latest, bases)) {
      if (bases.size() != diskIds.size()) {
        throw new IOException(
            "item '" + itemId + "' has uploaded bases for " + bases.keySet() + " only");
      }
      // The new direction's sequences start at 1 again: the old points go before the first new
      // one is written, so the newest manifest is always of this direction.
      for (long old : replica.pointSeqs()) {
        replica.store().delete(CloudKeys.point(itemId, old));
      }
      List<DiskManifest> disks = new ArrayList<>();
      for (String diskId : diskIds) {
        disks.add(bases.get(diskId).withLogs(parts.getOrDefault(diskId, List.of())));
      }
      replica.writeInitialPoint(seq, sealedAtMillis, appConsistent, 0, disks);
    } else {
      replica.appendPoint(seq, sealedAtMillis, appConsistent, parts);
    }
    for (String diskId : diskIds) {
      targets.dropBase(itemId, diskId);
    }
    return bytes;
  }

  /**
   * Garbage collection after a point (R13 for a cloud site): when the oldest point is older than
   * {@code retentionMillis}, the base is folded forward to the oldest point within retention and
   * everything older goes. Returns the points deleted. A retention of 0 or less keeps everything.
   * Runs in the cycle, under the item's cycle lock, so no upload is in flight for the item.
   */
  public List<Long> collect(String itemId, long retentionMillis, long nowMillis)
      throws IOException {
    if (retentionMillis <= 0) {
      return List.of();
    }
    String location = targets.location(itemId).orElseThrow();
    CloudReplica replica = stores.replica(location, itemId);
    List<Long> seqs = replica.pointSeqs();
    if (seqs.size() < 2
        || replica.manifest(seqs.get(0)).createdAtMillis() >= nowMillis - retentionMillis) {
      return List.of();
    }
    List<PointManifest> points = new ArrayList<>();
    for (long seq : seqs) {
      points.add(replica.manifest(seq));
    }
    long oldest = RetentionCollector.oldestKept(points, nowMillis, retentionMillis);
    return new RetentionCollector(replica, scratch).collect(oldest).pointsDeleted();
  }

  private static boolean alreadyRecorded(
      Optional<PointManifest> latest, Map<String, DiskManifest> bases) {
    if (latest.isEmpty() || latest.get().generation() != 0) {
      return false;
    }
    for (DiskManifest d : latest.get().disks()) {
      DiskManifest base = bases.get(d.diskId());
      if (base == null || !base.chunks().equals(d.chunks())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Folds the store's newest point into a base generation before the first copy of a fresh start,
   * once: its chunks then exist, and the copy skips every chunk that did not change.
   */
  private void foldLatestOnce(String itemId, CloudReplica replica) throws IOException {
    if (targets.folded(itemId)) {
      return;
    }
    Optional<PointManifest> latest = replica.latest();
    if (latest.isPresent()) {
      new RetentionCollector(replica, scratch).collect(latest.get().seq());
    }
    targets.markFolded(itemId);
  }

  /** Reads a disk view in the uploader's fixed chunks. */
  private record DiskReader(DiskView view) implements dev.haven.cloud.replica.DiskReader {
    @Override
    public void read(long offset, byte[] into, int length) throws IOException {
      view.read(offset, ByteBuffer.wrap(into, 0, length));
    }
  }
}
