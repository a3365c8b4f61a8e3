package dev.haven.cloud.replica;

import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.layout.Extent;
import dev.haven.cloud.layout.LogObjects;
import dev.haven.cloud.layout.LogPartRef;
import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cloud benchmark's Java half (run by {@code bench/run cloud}): uploads a disk image to a
 * folder store as the source agent does, and later one delta.
 *
 * <ul>
 *   <li>{@code initial IMAGE STORE KEYRING}: base chunks of the image (all threads), then point 1.
 *   <li>{@code delta IMAGE STORE KEYRING PERCENT}: overwrites PERCENT of the image's 64 KiB blocks
 *       with random data (not timed; the agent's tracker would have logged them as the guest
 *       wrote), then ships them as change log 2 and records point 2 (timed).
 *   <li>{@code restore STORE KEYRING SEQ OUT}: materializes point SEQ into OUT.
 * </ul>
 *
 * Each prints {@code seconds=… bytes_put=…} for the timed part.
 */
public final class CloudBench {
  private static final String ITEM = "bench-item";
  private static final String DISK = "disk0";

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[1]);
    // The source agent is a long-running process whose AES-GCM is compiled: measure that.
    dev.haven.cloud.crypto.ObjectSealer.warmUp();
    try (ObjectStore store = ObjectStores.open(args[2])) {
      VaultKeyring keyring = VaultKeyring.loadOrCreate(Path.of(args[3]));
      CloudReplica replica = CloudReplica.open(store, keyring, ITEM);
      switch (args[0]) {
        case "initial" -> initial(replica, image);
        case "delta" -> delta(replica, image, Double.parseDouble(args[4]));
        case "restore" ->
            new Materializer(replica, Runtime.getRuntime().availableProcessors() * 2)
                .materialize(
                    replica.manifest(Long.parseLong(args[4])).disk(DISK), Path.of(args[5]));
        default -> throw new IllegalArgumentException("unknown command " + args[0]);
      }
    }
  }

  private static void initial(CloudReplica replica, Path image) throws IOException {
    try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
      long size = in.size();
      DiskReader reader = (offset, into, length) -> readFully(in, offset, into, length);
      long t0 = System.nanoTime();
      BaseUploader.Result base =
          new BaseUploader(
                  replica,
                  BaseUploader.DEFAULT_CHUNK_BYTES,
                  Integer.getInteger(
                      "haven.bench.threads", 4 * Runtime.getRuntime().availableProcessors()))
              .upload(DISK, size, reader, Set.of(), n -> {});
      List<LogPartRef> log = replica.uploadLog(DISK, 1, LogObjects.encode(List.of(), 32 << 20));
      replica.writeInitialPoint(
          1, System.currentTimeMillis(), false, 0, List.of(base.base().withLogs(log)));
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("seconds=%.3f bytes_put=%d%n", seconds, base.tally().bytesPut());
    }
  }

  private static void delta(CloudReplica replica, Path image, double percent) throws IOException {
    List<Extent> extents = new ArrayList<>();
    try (FileChannel disk =
        FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long blocks = disk.size() / (64 << 10);
      int changed = (int) Math.round(blocks * percent / 100);
      Random random = new Random(42);
      TreeSet<Long> chosen = new TreeSet<>();
      while (chosen.size() < changed) {
        chosen.add((long) (random.nextDouble() * blocks));
      }
      for (long block : chosen) {
        byte[] data = new byte[64 << 10];
        random.nextBytes(data);
        disk.write(ByteBuffer.wrap(data), block * (64 << 10));
        extents.add(Extent.of(block * (64 << 10), data));
      }
      disk.force(true);
    }
    long t0 = System.nanoTime();
    List<byte[]> parts = LogObjects.encode(extents, 32 << 20);
    List<LogPartRef> refs = replica.uploadLog(DISK, 2, parts);
    replica.appendPoint(2, System.currentTimeMillis(), false, Map.of(DISK, refs));
    double seconds = (System.nanoTime() - t0) / 1e9;
    long bytes = 0;
    for (LogPartRef ref : refs) {
      bytes += replica.store().get(ref.key()).length;
    }
    System.out.printf("seconds=%.3f bytes_put=%d blocks=%d%n", seconds, bytes, extents.size());
  }

  private static void readFully(FileChannel in, long offset, byte[] into, int length)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(into, 0, length);
    while (buffer.hasRemaining()) {
      if (in.read(buffer, offset + buffer.position()) < 0) {
        throw new IOException("short read at " + (offset + buffer.position()));
      }
    }
  }
}
