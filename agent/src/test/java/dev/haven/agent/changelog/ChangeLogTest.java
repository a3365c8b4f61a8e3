package dev.haven.agent.changelog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.agent.disk.TrackedDisk;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R13: the change log format, its seal, and its recovery after a crash. */
class ChangeLogTest {
  private static final String DISK = "disk-0000abcd";
  private static final long SIZE = 4L * 1024 * 1024;

  @TempDir Path dir;

  private TrackedDisk openDisk() throws IOException {
    Path image = dir.resolve(DISK + ".img");
    if (!Files.exists(image)) {
      try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
        file.setLength(SIZE);
      }
    }
    TrackedDisk disk = TrackedDisk.open(image, SIZE, DISK);
    disk.logs().setTracking(true);
    return disk;
  }

  private Path liveFile(long seq) {
    return dir.resolve(String.format("%s-%012d.hrl", DISK, seq));
  }

  private static byte[] block(int stamp, int length) {
    byte[] data = new byte[length];
    new Random(stamp).nextBytes(data);
    ByteBuffer.wrap(data).putInt(stamp);
    return data;
  }

  private static List<LogEntry> entries(SealedLog log) throws IOException {
    List<LogEntry> entries = new ArrayList<>();
    log.forEach(entries::add);
    return entries;
  }

  @Test
  void R13_tornTailIsCutBackToLastWholeRecord() throws Exception {
    try (TrackedDisk disk = openDisk()) {
      for (int i = 0; i < 5; i++) {
        disk.write(i * 8192L, ByteBuffer.wrap(block(i, 4096)), false);
      }
      disk.flush();
    }
    // The process died while the fifth record was being appended: half of it reached the file.
    long whole = Files.size(liveFile(1));
    try (FileChannel log = FileChannel.open(liveFile(1), StandardOpenOption.WRITE)) {
      log.truncate(whole - 2000);
    }
    try (TrackedDisk disk = openDisk()) {
      assertThat(Files.size(liveFile(1))).isEqualTo(whole - 4096 - 21);
      disk.write(100_000, ByteBuffer.wrap(block(9, 512)), true);
      SealedLog sealed = disk.logs().seal();
      assertThat(sealed.recordCount()).isEqualTo(5);
      assertThat(entries(sealed))
          .extracting(LogEntry::offset)
          .containsExactly(0L, 8192L, 16384L, 24576L, 100_000L);
    }
    // Garbage after the last whole record (a preallocated or reused tail) is cut too.
    try (FileChannel log = FileChannel.open(liveFile(2), StandardOpenOption.WRITE)) {
      log.write(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0}), log.size());
    }
    try (TrackedDisk disk = openDisk()) {
      assertThat(disk.logs().liveSeq()).isEqualTo(2);
      assertThat(disk.logs().seal().recordCount()).isZero();
    }
  }

  @Test
  void R13_loggedWriteThatMissedTheImageIsRedoneOnOpen() throws Exception {
    openDisk().close();
    // The record reached the log, then the process died before writing the image.
    DiskChangeLogs logs = DiskChangeLogs.open(dir, DISK, entry -> {}, () -> {});
    logs.setTracking(true);
    logs.lock().lock();
    try {
      logs.appendData(65536, ByteBuffer.wrap(block(42, 4096)));
    } finally {
      logs.lock().unlock();
    }
    logs.close();
    try (TrackedDisk disk = openDisk()) {
      ByteBuffer read = ByteBuffer.allocate(4096);
      disk.read(65536, read);
      assertThat(read.array()).isEqualTo(block(42, 4096));
    }
  }

  @Test
  void R13_sealRotatesWhileWritesContinue() throws Exception {
    int writers = 4;
    int perWriter = 400;
    List<SealedLog> sealed = new ArrayList<>();
    byte[] image = new byte[(int) SIZE];
    try (TrackedDisk disk = openDisk()) {
      AtomicBoolean failed = new AtomicBoolean();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < writers; t++) {
        int writer = t;
        Thread thread =
            new Thread(
                () -> {
                  Random random = new Random(writer);
                  try {
                    for (int i = 0; i < perWriter; i++) {
                      // Writers overlap on purpose: the log's order must be the image's order.
                      long offset = 512L * random.nextInt(2048);
                      disk.write(offset, ByteBuffer.wrap(block(writer * 100_000 + i, 4096)), false);
                    }
                  } catch (IOException e) {
                    failed.set(true);
                  }
                });
        threads.add(thread);
        thread.start();
      }
      while (threads.stream().anyMatch(Thread::isAlive)) {
        sealed.add(disk.logs().seal());
        Thread.sleep(2);
      }
      sealed.add(disk.logs().seal());
      assertThat(failed).isFalse();
      disk.read(0, ByteBuffer.wrap(image));
      assertThat(disk.logs().sealed()).hasSize(sealed.size());
    }
    assertThat(sealed.size()).as("seals happened during the writes").isGreaterThan(2);
    assertThat(sealed).extracting(SealedLog::seq).isSorted().doesNotHaveDuplicates();
    Set<Integer> stamps = new HashSet<>();
    byte[] replayed = new byte[(int) SIZE];
    for (SealedLog log : sealed) {
      for (LogEntry entry : entries(log)) {
        assertThat(stamps.add(ByteBuffer.wrap(entry.data()).getInt())).as("logged once").isTrue();
        System.arraycopy(entry.data(), 0, replayed, (int) entry.offset(), entry.length());
      }
    }
    assertThat(stamps).hasSize(writers * perWriter);
    assertThat(replayed).as("logs replayed in order rebuild the image").isEqualTo(image);
  }

  @Test
  void R13_damagedSealedLogsAreReportedCorrupt() throws Exception {
    try (TrackedDisk disk = openDisk()) {
      disk.write(0, ByteBuffer.wrap(block(1, 4096)), false);
      disk.logs().seal();
      disk.write(4096, ByteBuffer.wrap(block(2, 4096)), false);
      disk.writeZeroes(0, 1024, false);
      disk.logs().seal();
    }
    flipByte(liveFile(1), Files.size(liveFile(1)) - 10);
    flipByte(liveFile(2), 200);
    try (TrackedDisk disk = openDisk()) {
      List<SealedLog> logs = disk.logs().sealed();
      assertThat(logs).extracting(SealedLog::seq).containsExactly(1L, 2L);
      assertThatThrownBy(() -> entries(logs.get(0)))
          .isInstanceOf(CorruptLogException.class)
          .hasMessageContaining("trailer");
      assertThatThrownBy(() -> entries(logs.get(1)))
          .isInstanceOf(CorruptLogException.class)
          .hasMessageContaining("CRC32C");
      assertThat(disk.logs().liveSeq()).isEqualTo(3);
    }
  }

  @Test
  void R13_restartDiscardAndPendingBytes() throws Exception {
    try (TrackedDisk disk = openDisk()) {
      disk.write(0, ByteBuffer.wrap(block(1, 4096)), false);
      SealedLog first = disk.logs().seal();
      assertThat(first.dataBytes()).isEqualTo(4096);
      disk.write(0, ByteBuffer.wrap(block(2, 1024)), false);
      assertThat(disk.logs().pendingBytes()).isEqualTo(4096 + 21 + 1024 + 21);
      disk.logs().discardThrough(1);
      assertThat(disk.logs().sealed()).isEmpty();
      assertThat(Files.exists(liveFile(1))).isFalse();
      disk.logs().restartAt(5);
      assertThat(disk.logs().liveSeq()).isEqualTo(5);
      assertThat(disk.logs().pendingBytes()).isZero();
      assertThat(disk.logs().seal().seq()).isEqualTo(5);
      assertThatThrownBy(() -> disk.logs().restartAt(3))
          .isInstanceOf(IllegalArgumentException.class);
      disk.logs().setTracking(false);
      disk.write(0, ByteBuffer.wrap(block(3, 4096)), false);
      assertThat(disk.logs().seal().recordCount()).as("untracked writes are not logged").isZero();
    }
  }

  @Test
  void R13_crashBetweenTrailerAndNextLogOpensTheNextLog() throws Exception {
    try (TrackedDisk disk = openDisk()) {
      disk.write(0, ByteBuffer.wrap(block(1, 4096)), false);
      disk.logs().seal();
    }
    Files.delete(liveFile(2));
    try (TrackedDisk disk = openDisk()) {
      assertThat(disk.logs().sealed()).extracting(SealedLog::seq).containsExactly(1L);
      assertThat(disk.logs().liveSeq()).isEqualTo(2);
      assertThat(entries(disk.logs().sealed().get(0))).hasSize(1);
    }
  }

  private static void flipByte(Path file, long position) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(position);
      int b = raf.read();
      raf.seek(position);
      raf.write(b ^ 0x04);
    }
  }
}
