package dev.haven.agent.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.disk.BlockHashCache;
import dev.haven.agent.disk.TrackedDisk;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import net.openhft.hashing.LongTupleHashFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R15: block hashes are XXH3-128 of each block's bytes, and a disk's cached hashes never hide a
 * write: after any mix of writes, zeroing, concurrent writes and changes behind Haven's back, a
 * pass through the cache answers exactly what hashing the image afresh answers.
 */
class BlockHasherTest {
  private static final int BLOCK = 64 * 1024;
  private static final long SIZE = 8L * 1024 * 1024 + 12345; // 129 blocks, the last one short

  @TempDir Path dir;
  private Path image;
  private TrackedDisk disk;

  @BeforeEach
  void open() throws IOException {
    image = dir.resolve("disk-1.img");
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(SIZE);
    }
    disk = TrackedDisk.open(image, SIZE, "disk-1");
    byte[] data = new byte[(int) SIZE];
    new SplittableRandom(7).nextBytes(data);
    disk.write(0, ByteBuffer.wrap(data), false);
  }

  @AfterEach
  void close() throws IOException {
    disk.close();
  }

  private byte[] pass(BlockHashCache cache) throws IOException {
    ByteBuffer all = ByteBuffer.allocate(0);
    try (BlockHasher.Batches batches = BlockHasher.batches(disk, cache, 0, BLOCK)) {
      while (batches.hasNext()) {
        byte[] next = batches.next();
        all = ByteBuffer.allocate(all.capacity() + next.length).put(all.flip()).put(next);
      }
    }
    return all.array();
  }

  /** What hashing the image file afresh answers, block by block, outside of Haven's code. */
  private byte[] fresh() throws IOException {
    LongTupleHashFunction xx128 = LongTupleHashFunction.xx128();
    int blocks = (int) ((SIZE + BLOCK - 1) / BLOCK);
    ByteBuffer out = ByteBuffer.allocate(blocks * 16).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel file = FileChannel.open(image, StandardOpenOption.READ)) {
      for (int b = 0; b < blocks; b++) {
        byte[] block = new byte[(int) Math.min(BLOCK, SIZE - (long) b * BLOCK)];
        file.read(ByteBuffer.wrap(block), (long) b * BLOCK);
        long[] hash = xx128.hashBytes(block);
        out.putLong(hash[0]).putLong(hash[1]);
      }
    }
    return out.array();
  }

  @Test
  void R15_blocksHashWithXxh3Of128BitsOfTheirOwnBytes() throws IOException {
    assertThat(pass(null)).isEqualTo(fresh());
    // A byte changed anywhere in a block changes that block's hash only.
    byte[] before = pass(null);
    disk.write(5L * BLOCK + 777, ByteBuffer.wrap(new byte[] {42}), false);
    byte[] after = pass(null);
    for (int b = 0; b < before.length / 16; b++) {
      assertThat(BlockHasher.same(before, after, b)).as("block %d", b).isEqualTo(b != 5);
    }
  }

  @Test
  void R15_cachedHashesFollowEveryWriteZeroAndTrim() throws IOException {
    BlockHashCache cache = disk.blockHashes(BLOCK);
    assertThat(pass(cache)).isEqualTo(fresh());
    assertThat(cache.cachedBlocks()).isEqualTo(cache.blocks());

    disk.write(3L * BLOCK + 100, ByteBuffer.wrap(new byte[] {1, 2, 3}), false);
    // A write across a block boundary touches both blocks.
    disk.write(10L * BLOCK - 2, ByteBuffer.wrap(new byte[] {9, 9, 9, 9}), false);
    disk.writeZeroes(40L * BLOCK + 5, 3 * BLOCK, false);
    disk.trim(SIZE - 10, 10);
    assertThat(cache.cachedBlocks()).isEqualTo(cache.blocks() - 1 - 2 - 4 - 1);
    assertThat(pass(cache)).isEqualTo(fresh());
    assertThat(cache.cachedBlocks()).isEqualTo(cache.blocks());
  }

  @Test
  void R15_changesBehindHavensBackDropTheCachedHashes() throws Exception {
    BlockHashCache cache = disk.blockHashes(BLOCK);
    pass(cache);
    try (FileChannel file = FileChannel.open(image, StandardOpenOption.WRITE)) {
      file.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 17L * BLOCK);
      file.force(true);
    }
    assertThat(pass(cache)).isEqualTo(fresh());
    // The image cut short (its tail reads as zeros) is caught as well.
    try (FileChannel file = FileChannel.open(image, StandardOpenOption.WRITE)) {
      file.truncate(SIZE - 3 * BLOCK);
    }
    assertThat(pass(cache)).isEqualTo(fresh());
  }

  @Test
  void R15_writesDuringAHashPassNeverLeaveAStaleHash() throws Exception {
    BlockHashCache cache = disk.blockHashes(BLOCK);
    SplittableRandom random = new SplittableRandom(11);
    for (int round = 0; round < 40; round++) {
      List<Throwable> failures = new ArrayList<>();
      SplittableRandom mine = random.split();
      AtomicBoolean stop = new AtomicBoolean();
      // Writes race with passes that fill the cache ...
      Thread writer =
          new Thread(
              () -> {
                byte[] data = new byte[BLOCK];
                try {
                  while (!stop.get()) {
                    mine.nextBytes(data);
                    long offset = mine.nextLong(SIZE - BLOCK);
                    disk.write(offset, ByteBuffer.wrap(data, 0, mine.nextInt(1, BLOCK)), false);
                  }
                } catch (Throwable t) {
                  failures.add(t);
                }
              });
      writer.start();
      for (int pass = 0; pass < 3; pass++) {
        pass(cache);
      }
      stop.set(true);
      writer.join();
      assertThat(failures).isEmpty();
      // ... and once quiet, whatever the cache kept must be what the image holds.
      assertThat(pass(cache)).as("round %d", round).isEqualTo(fresh());
    }
  }
}
