package dev.haven.agent.replication;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.disk.BlockHashCache;
import dev.haven.agent.disk.TrackedDisk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.openhft.hashing.LongTupleHashFunction;

/**
 * Hashes a disk in fixed blocks, batch by batch, on every core, a bounded number of batches ahead
 * of its consumer (so memory stays at a few batches, never the disk).
 *
 * <p>The hash is XXH3-128 (xxh128 of the zero-allocation-hashing library). R15 needs at least 128
 * bits: with CRC32 a disk of millions of blocks would see a false match, and a false match silently
 * loses data; with 128 bits the chance is about 2^-128 per block. XXH3-128 replaced MurmurHash3 x64
 * 128 (Guava): on 64 KiB blocks on this machine's JDK 17 it hashes about 5.9 GB/s per core against
 * 4.7 GB/s for MurmurHash3 and 0.6 GB/s for SHA-256 (whose intrinsic here does not use the CPU's
 * SHA extensions). rsync 3.2+ uses the same family (xxh128) for its block checksums. It is not
 * collision-resistant against an adversary, but the only party that could craft colliding blocks is
 * the guest, which writes both blocks anyway: a crafted collision could only leave on the replica
 * an older block the guest itself wrote. Both agents of a resync must hash alike; an agent of an
 * older release (MurmurHash3) would see every block differ and send the whole disk, which is slow
 * but loses nothing.
 *
 * <p>Given a {@link BlockHashCache} (the target's replica disk keeps one), cached hashes are taken
 * as they are and only the other blocks are read, and each hash computed is stored back, so a
 * second resync of the same replica reads from its image only the blocks written since.
 */
final class BlockHasher {
  static final int HASH_BYTES = 16;
  static final int DEFAULT_BLOCK = 64 * 1024;

  /** Blocks per batch: 16 MiB of disk at 64 KiB, 4 KiB of hashes. */
  static final int BATCH_BLOCKS = 256;

  /** Batches hashed ahead of the consumer. */
  private static final int AHEAD = 3;

  private static final LongTupleHashFunction HASH = LongTupleHashFunction.xx128();
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int READ_BYTES = 1024 * 1024;
  private static final int THREADS = Runtime.getRuntime().availableProcessors();
  private static final ExecutorService POOL =
      Executors.newFixedThreadPool(
          THREADS,
          r -> {
            Thread t = new Thread(r, "block-hasher");
            t.setDaemon(true);
            return t;
          });

  /**
   * Each hashing thread's read buffer. It is on the heap: the library hashes a direct buffer only
   * with access to the JDK's internals ({@code --add-exports java.base/sun.nio.ch}), which the
   * agent's launch should not need, and it hashes a heap array as fast.
   */
  private static final ThreadLocal<byte[]> BUFFER =
      ThreadLocal.withInitial(() -> new byte[READ_BYTES]);

  private BlockHasher() {}

  static long blockCount(long size, int blockSize) {
    return (size + blockSize - 1) / blockSize;
  }

  static int checkBlockSize(int requested) {
    int size = requested == 0 ? DEFAULT_BLOCK : requested;
    if (size % 4096 != 0 || size > 4 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "block_size must be a multiple of 4096 up to 4 MiB, got " + requested);
    }
    return size;
  }

  /** The hashes of blocks {@code first} to the last, a batch at a time, hashed ahead. */
  static Batches batches(BlockDevice device, long first, int blockSize) {
    return new Batches(device, null, first, blockSize);
  }

  /**
   * As {@link #batches(BlockDevice, long, int)}, through the disk's own {@link BlockHashCache} when
   * it is a {@link TrackedDisk} small enough to keep one: a disk keeps its block hashes between
   * resyncs, so only blocks written since the last one are read and hashed again. Both sides of a
   * resync do this, the replica and the source disk.
   */
  static Batches cachedBatches(BlockDevice device, long first, int blockSize) {
    BlockHashCache cache =
        device instanceof TrackedDisk disk && BlockHashCache.fits(device.size(), blockSize)
            ? disk.blockHashes(blockSize)
            : null;
    return batches(device, cache, first, blockSize);
  }

  /**
   * Like {@link #batches(BlockDevice, long, int)}, taking hashes from {@code cache} where it has
   * them and storing the others there; {@code cache} must be of {@code device} and {@code
   * blockSize}.
   */
  static Batches batches(BlockDevice device, BlockHashCache cache, long first, int blockSize) {
    if (cache != null) {
      cache.checkImage();
    }
    return new Batches(device, cache, first, blockSize);
  }

  /** An ordered sequence of batches; each {@link #next()} answers the following one. */
  static final class Batches implements AutoCloseable {
    private final BlockDevice device;
    private final BlockHashCache cache;
    private final int blockSize;
    private final long total;
    private long nextToSubmit;
    private final ArrayDeque<Future<byte[]>> ahead = new ArrayDeque<>();

    private Batches(BlockDevice device, BlockHashCache cache, long first, int blockSize) {
      this.device = device;
      this.cache = cache;
      this.blockSize = blockSize;
      this.total = blockCount(device.size(), blockSize);
      this.nextToSubmit = first;
      fill();
    }

    long totalBlocks() {
      return total;
    }

    boolean hasNext() {
      return !ahead.isEmpty();
    }

    /** The next batch's hashes, {@link #HASH_BYTES} per block. */
    byte[] next() throws IOException {
      Future<byte[]> head = ahead.poll();
      fill();
      try {
        return head.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while hashing", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UncheckedIOException io) {
          throw io.getCause();
        }
        throw new IOException("hashing failed: " + e.getCause(), e.getCause());
      }
    }

    private void fill() {
      while (ahead.size() < AHEAD && nextToSubmit < total) {
        int count = (int) Math.min(BATCH_BLOCKS, total - nextToSubmit);
        ahead.add(hashBatch(device, cache, nextToSubmit, count, blockSize));
        nextToSubmit += count;
      }
    }

    @Override
    public void close() {
      ahead.forEach(f -> f.cancel(true));
      ahead.clear();
    }
  }

  /** Hashes {@code count} blocks from {@code first}, split over every core. */
  static Future<byte[]> hashBatch(
      BlockDevice device, BlockHashCache cache, long first, int count, int blockSize) {
    byte[] out = new byte[count * HASH_BYTES];
    int slices = Math.min(THREADS, count);
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    for (int s = 0; s < slices; s++) {
      int from = count * s / slices;
      int to = count * (s + 1) / slices;
      parts.add(
          CompletableFuture.runAsync(
              () -> hashSlice(device, cache, first, from, to, blockSize, out), POOL));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> out);
  }

  /**
   * Hashes blocks {@code first + from} to {@code first + to}: cached ones from the cache, the
   * others read a few blocks per call (to save system calls).
   */
  private static void hashSlice(
      BlockDevice device,
      BlockHashCache cache,
      long first,
      int from,
      int to,
      int blockSize,
      byte[] out) {
    int perRead = Math.max(1, READ_BYTES / blockSize);
    byte[] buffer = BUFFER.get();
    long[] hash = new long[2];
    int[] versions = new int[perRead];
    try {
      int i = from;
      while (i < to) {
        if (cache != null && cache.lookup(first + i, hash)) {
          put(out, i, hash);
          i++;
          continue;
        }
        // A run of blocks to read: up to perRead, stopping at the next cached one.
        int n = 0;
        while (i + n < to && n < perRead) {
          if (cache != null) {
            if (n > 0 && cache.lookup(first + i + n, hash)) {
              break;
            }
            // The version is taken before the bytes are read: see BlockHashCache.
            versions[n] = cache.version(first + i + n);
          }
          n++;
        }
        long offset = (first + i) * blockSize;
        int length = (int) Math.min((long) n * blockSize, device.size() - offset);
        device.read(offset, ByteBuffer.wrap(buffer, 0, length));
        for (int k = 0; k < n; k++) {
          int at = k * blockSize;
          HASH.hashBytes(buffer, at, Math.min(blockSize, length - at), hash);
          put(out, i + k, hash);
          if (cache != null) {
            cache.store(first + i + k, versions[k], hash[0], hash[1]);
          }
        }
        i += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void put(byte[] out, int index, long[] hash) {
    LONGS.set(out, index * HASH_BYTES, hash[0]);
    LONGS.set(out, index * HASH_BYTES + 8, hash[1]);
  }

  /** Whether block {@code i} of two batches hashes the same. */
  static boolean same(byte[] a, byte[] b, int i) {
    return java.util.Arrays.equals(
        a, i * HASH_BYTES, (i + 1) * HASH_BYTES, b, i * HASH_BYTES, (i + 1) * HASH_BYTES);
  }
}
