package dev.haven.agent.replication;

/**
 * How a disk is cut into chunks for the initial copy. Source and target agree on the chunk size, so
 * a chunk index alone says where a resumed copy starts.
 */
public final class CopyPlan {
  /** 1 MiB: well under the 4 MiB a message may carry with its envelope. */
  public static final int CHUNK_BYTES = 1024 * 1024;

  private CopyPlan() {}

  public static long chunkCount(long sizeBytes) {
    return (sizeBytes + CHUNK_BYTES - 1) / CHUNK_BYTES;
  }

  public static long chunkOffset(long chunkIndex) {
    return chunkIndex * CHUNK_BYTES;
  }

  public static int chunkLength(long sizeBytes, long chunkIndex) {
    return (int) Math.min(CHUNK_BYTES, sizeBytes - chunkOffset(chunkIndex));
  }
}
