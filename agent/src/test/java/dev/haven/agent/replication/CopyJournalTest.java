package dev.haven.agent.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.disk.TrackedDisk;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link CopyJournal#recover} trusts: journalled chunks in order whose bytes still match. */
class CopyJournalTest {
  private static final int CHUNKS = 6;

  @TempDir Path dir;
  private TrackedDisk image;
  private Path journal;
  private final int[] crcs = new int[CHUNKS];

  @BeforeEach
  void writeChunksAndJournal() throws Exception {
    long size = (long) CHUNKS * CopyPlan.CHUNK_BYTES;
    try (RandomAccessFile file = new RandomAccessFile(dir.resolve("d.img").toFile(), "rw")) {
      file.setLength(size);
    }
    image = TrackedDisk.open(dir.resolve("d.img"), size, "d");
    journal = CopyJournal.file(dir, "d");
    Random random = new Random(5);
    try (CopyJournal j = CopyJournal.create(journal)) {
      for (int i = 0; i < CHUNKS; i++) {
        byte[] data = new byte[CopyPlan.CHUNK_BYTES];
        random.nextBytes(data);
        image.write(CopyPlan.chunkOffset(i), ByteBuffer.wrap(data), false);
        crcs[i] = Checksums.crc32c(data);
        j.written(i, crcs[i]);
      }
    }
  }

  @AfterEach
  void closeImage() throws Exception {
    image.close();
  }

  @Test
  void R11_chunksInTheImageAfterTheCheckpointAreKept() throws Exception {
    assertThat(CopyJournal.recover(journal, 2, image)).isEqualTo(CHUNKS);
    assertThat(CopyJournal.recover(dir.resolve("none"), 2, image)).isEqualTo(2);
  }

  @Test
  void aChunkWhoseBytesDidNotReachTheImageEndsTheRun() throws Exception {
    image.write(CopyPlan.chunkOffset(3) + 100, ByteBuffer.wrap(new byte[] {1, 2, 3}), false);
    assertThat(CopyJournal.recover(journal, 0, image)).isEqualTo(3);
  }

  @Test
  void aTornOrCorruptRecordEndsTheRun() throws Exception {
    try (RandomAccessFile file = new RandomAccessFile(journal.toFile(), "rw")) {
      file.setLength(4 * 16 + 9);
    }
    assertThat(CopyJournal.recover(journal, 0, image)).isEqualTo(4);
    byte[] bytes = Files.readAllBytes(journal);
    bytes[16 + 3] ^= 1;
    Files.write(journal, bytes);
    assertThat(CopyJournal.recover(journal, 0, image)).isEqualTo(1);
  }

  @Test
  void recordsBelowTheCheckpointAreSkippedAndAGapEndsTheRun() throws Exception {
    assertThat(CopyJournal.recover(journal, 7, image)).isEqualTo(7);
    try (CopyJournal j = CopyJournal.create(journal)) {
      j.written(0, crcs[0]);
      j.written(2, crcs[2]);
    }
    assertThat(CopyJournal.recover(journal, 0, image)).isEqualTo(1);
  }
}
