package dev.haven.agent.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R11: the copy-on-write view a copier reads while the guest writes. A real image file and change
 * log; the view's memory bound is small, so that preserved blocks also go through the spill file.
 */
class CopySnapshotTest {
  private static final int MIB = 1024 * 1024;
  // Not a whole number of blocks: the last block is short.
  private static final int SIZE = 8 * MIB + 5000;

  @TempDir Path dir;

  @Test
  void R11_viewReadsTheDiskAsItWasWhenTheViewBegan() throws Exception {
    Path image = dir.resolve("disk-1.img");
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(SIZE);
    }
    Random random = new Random(5);
    byte[] before = new byte[SIZE];
    random.nextBytes(before);
    try (TrackedDisk disk = TrackedDisk.open(image, SIZE, "disk-1")) {
      disk.logs().setTracking(true);
      disk.write(0, ByteBuffer.wrap(before), false);
      byte[] live = before.clone();
      // The copy resumes at 1 MiB: blocks before it need no preserving.
      try (CopySnapshot view = disk.beginSnapshot(MIB, 3 * CopySnapshot.BLOCK)) {
        write(disk, live, 100, new byte[4096], random); // before the copy's start
        write(disk, live, MIB + 10, new byte[300_000], random); // spans blocks, spills
        write(disk, live, SIZE - 100, new byte[100], random); // the short last block
        disk.writeZeroes(5 * MIB, 2 * MIB, false);
        Arrays.fill(live, 5 * MIB, 7 * MIB, (byte) 0);
        assertThat(view.spilledBytes()).isPositive();
        assertThat(Files.exists(SnapshotSlot.spillFileOf(image))).isTrue();

        byte[] copied = new byte[SIZE];
        for (int offset = MIB; offset < SIZE; offset += MIB) {
          ByteBuffer chunk = ByteBuffer.allocate(Math.min(MIB, SIZE - offset));
          view.read(offset, chunk);
          System.arraycopy(chunk.array(), 0, copied, offset, chunk.capacity());
          // A write behind the copier is not preserved: the change log carries it.
          write(disk, live, offset, new byte[1000], random);
        }
        assertThat(Arrays.copyOfRange(copied, MIB, SIZE))
            .isEqualTo(Arrays.copyOfRange(before, MIB, SIZE));
        assertThat(view.spilledBytes()).as("read blocks are freed").isZero();
      }
      assertThat(Files.exists(SnapshotSlot.spillFileOf(image))).isFalse();
      ByteBuffer now = ByteBuffer.allocate(SIZE);
      disk.read(0, now);
      assertThat(now.array()).isEqualTo(live);
      // Once the view is closed, writes preserve nothing and a new view can begin.
      disk.beginSnapshot(0).close();
    }
  }

  private static void write(TrackedDisk disk, byte[] model, int offset, byte[] data, Random r)
      throws Exception {
    r.nextBytes(data);
    disk.write(offset, ByteBuffer.wrap(data), false);
    System.arraycopy(data, 0, model, offset, data.length);
  }
}
