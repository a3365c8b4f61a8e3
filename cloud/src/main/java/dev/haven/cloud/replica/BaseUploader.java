package dev.haven.cloud.replica;

import dev.haven.cloud.layout.ChunkRef;
import dev.haven.cloud.layout.DiskManifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Uploads a disk as a base generation: the disk in fixed chunks (4 MiB by default), all-zero chunks
 * skipped, each other chunk sealed and stored under its content name unless an object of that name
 * exists already. Chunks are read, hashed, sealed and put on {@code threads} threads at once, each
 * thread holding at most one chunk and its sealed copy.
 *
 * <p>Initial replication, a fold after retention and reprotection after failback all use it: the
 * last two find most chunks stored already and send only the ones that differ.
 */
public final class BaseUploader {
  public static final int DEFAULT_CHUNK_BYTES = 4 << 20;

  private final CloudReplica replica;
  private final int chunkBytes;
  private final int threads;

  public BaseUploader(CloudReplica replica, int chunkBytes, int threads) {
    if (chunkBytes <= 0 || chunkBytes % 4096 != 0 || chunkBytes > 32 << 20) {
      throw new IllegalArgumentException("a chunk is a multiple of 4 KiB up to 32 MiB");
    }
    this.replica = replica;
    this.chunkBytes = chunkBytes;
    this.threads = Math.max(1, threads);
  }

  /**
   * Uploads {@code diskId} of {@code sizeBytes} from {@code reader}; {@code stored} holds the keys
   * of chunks known to exist (for example from a listing), which are not even checked. {@code
   * progress} receives the number of chunks done so far after each chunk (for heartbeats).
   */
  public Result upload(
      String diskId, long sizeBytes, DiskReader reader, Set<String> stored, LongConsumer progress)
      throws IOException {
    int count = (int) ((sizeBytes + chunkBytes - 1) / chunkBytes);
    AtomicLong next = new AtomicLong();
    AtomicLong done = new AtomicLong();
    AtomicLong zero = new AtomicLong();
    AtomicLong skipped = new AtomicLong();
    AtomicLong put = new AtomicLong();
    List<ChunkRef> refs = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Void>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(
            pool.submit(
                () -> {
                  byte[] buffer = new byte[chunkBytes];
                  for (long i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    long offset = i * chunkBytes;
                    int length = (int) Math.min(chunkBytes, sizeBytes - offset);
                    reader.read(offset, buffer, length);
                    if (isZero(buffer, length)) {
                      zero.incrementAndGet();
                    } else {
                      String sha = CloudReplica.sha256(buffer, length);
                      String key = replica.chunkKey(diskId, sha);
                      if (stored.contains(key) || replica.store().exists(key)) {
                        skipped.incrementAndGet();
                      } else {
                        byte[] plain =
                            length == buffer.length
                                ? buffer
                                : java.util.Arrays.copyOf(buffer, length);
                        byte[] sealed = replica.sealer().seal(key, plain);
                        replica.store().put(key, sealed);
                        put.addAndGet(sealed.length);
                      }
                      refs.add(new ChunkRef((int) i, key, sha));
                    }
                    progress.accept(done.incrementAndGet());
                  }
                  return null;
                }));
      }
      for (Future<Void> worker : workers) {
        worker.get();
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("uploading disk " + diskId + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while uploading disk " + diskId, e);
    } finally {
      pool.shutdownNow();
    }
    List<ChunkRef> sorted = new ArrayList<>(refs);
    sorted.sort(Comparator.comparingInt(ChunkRef::index));
    return new Result(
        new DiskManifest(diskId, sizeBytes, chunkBytes, sorted, List.of()),
        new UploadTally(count, zero.get(), skipped.get(), put.get()));
  }

  /** The disk's base (no logs yet) and what uploading it did. */
  public record Result(DiskManifest base, UploadTally tally) {}

  private static final byte[] ZEROS = new byte[64 << 10];

  static boolean isZero(byte[] buffer, int length) {
    // Arrays.mismatch is vectorized by the JIT; a byte loop would cost more than the hash.
    for (int at = 0; at < length; at += ZEROS.length) {
      int n = Math.min(ZEROS.length, length - at);
      if (java.util.Arrays.mismatch(buffer, at, at + n, ZEROS, 0, n) >= 0) {
        return false;
      }
    }
    return true;
  }
}
