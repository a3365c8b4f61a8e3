package dev.haven.cloud.layout;

import java.util.List;

/**
 * One disk at a recovery point: its size, its base generation (the stored non-zero chunks) and the
 * change logs to apply over the base, in order.
 */
public record DiskManifest(
    String diskId, long sizeBytes, int chunkBytes, List<ChunkRef> chunks, List<LogPartRef> logs) {

  public DiskManifest {
    chunks = List.copyOf(chunks);
    logs = List.copyOf(logs);
  }

  public int chunkCount() {
    return (int) ((sizeBytes + chunkBytes - 1) / chunkBytes);
  }

  public DiskManifest withLogs(List<LogPartRef> more) {
    List<LogPartRef> all = new java.util.ArrayList<>(logs);
    all.addAll(more);
    return new DiskManifest(diskId, sizeBytes, chunkBytes, chunks, all);
  }
}
