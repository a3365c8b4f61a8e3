package dev.haven.cloud.replica;

import dev.haven.cloud.layout.ChunkRef;
import dev.haven.cloud.layout.DiskManifest;
import dev.haven.cloud.layout.Extent;
import dev.haven.cloud.layout.LogObjects;
import dev.haven.cloud.layout.LogPartRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Rebuilds a disk at a recovery point from its objects into a raw sparse file: the base chunks
 * fetched, opened and verified on {@code threads} threads and written at their offsets (chunks that
 * are not stored stay holes, reading as zeros), then every change log part in order, the next few
 * parts fetched while one is applied. Every object is authenticated and checked against the SHA-256
 * its manifest records before a byte of it is written; a refusal leaves no file behind. The disk is
 * built in a temporary file beside the target and renamed into place at the end.
 */
public final class Materializer {
  private final CloudReplica replica;
  private final int threads;

  public Materializer(CloudReplica replica, int threads) {
    this.replica = replica;
    this.threads = Math.max(1, threads);
  }

  /** Writes {@code disk} as it is at its point into {@code target} (replacing it). */
  public void materialize(DiskManifest disk, Path target) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".materializing");
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (FileChannel out =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ)) {
      out.truncate(0);
      // Setting the length without writing leaves a sparse file: unstored chunks cost nothing.
      if (disk.sizeBytes() > 0) {
        out.write(ByteBuffer.allocate(1), disk.sizeBytes() - 1);
      }
      List<CompletableFuture<Void>> chunks = new ArrayList<>();
      for (ChunkRef chunk : disk.chunks()) {
        chunks.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    byte[] plain = replica.getVerified(chunk.key(), chunk.sha256());
                    writeFully(out, plain, (long) chunk.index() * disk.chunkBytes());
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                },
                pool));
      }
      await(chunks);
      applyLogs(disk.logs(), out, pool);
      out.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    } finally {
      pool.shutdownNow();
    }
    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Applies log parts in order to {@code out}, fetching up to {@code threads} parts ahead. */
  void applyLogs(List<LogPartRef> logs, FileChannel out, ExecutorService pool) throws IOException {
    Deque<CompletableFuture<byte[]>> ahead = new ArrayDeque<>();
    int fetched = 0;
    for (int i = 0; i < logs.size(); i++) {
      while (fetched < logs.size() && ahead.size() < threads) {
        LogPartRef part = logs.get(fetched++);
        ahead.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return replica.getVerified(part.key(), part.sha256());
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                },
                pool));
      }
      byte[] plain = join(ahead.removeFirst());
      applyPart(logs.get(i).key(), plain, out);
    }
  }

  static void applyPart(String key, byte[] plain, FileChannel out) throws IOException {
    List<Extent> extents = new ArrayList<>();
    LogObjects.forEach(key, plain, extents::add);
    for (Extent e : extents) {
      if (e.zero()) {
        byte[] zeros = new byte[Math.min(e.length(), 1 << 20)];
        for (long done = 0; done < e.length(); done += zeros.length) {
          int n = (int) Math.min(zeros.length, e.length() - done);
          out.write(ByteBuffer.wrap(zeros, 0, n), e.offset() + done);
        }
      } else {
        writeFully(out, e.data(), e.offset());
      }
    }
  }

  static void writeFully(FileChannel out, byte[] data, long position) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(data);
    while (buffer.hasRemaining()) {
      position += out.write(buffer, position);
    }
  }

  private static void await(List<CompletableFuture<Void>> futures) throws IOException {
    for (CompletableFuture<Void> f : futures) {
      join(f);
    }
  }

  private static <T> T join(CompletableFuture<T> future) throws IOException {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException io) {
        throw io.getCause();
      }
      throw e;
    }
  }
}
