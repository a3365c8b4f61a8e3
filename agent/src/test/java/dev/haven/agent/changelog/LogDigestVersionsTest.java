package dev.haven.agent.changelog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R13: the trailer digest of both change log versions. Logs written before version 2 (SHA-256 over
 * every data byte) still resume, seal and verify; in both, the digest covers every data byte, so a
 * record rewritten with matching CRCs still fails verification.
 */
class LogDigestVersionsTest {
  private static final String DISK = "disk-0000abcd";

  @TempDir Path dir;

  @Test
  void R13_aLogOfTheFirstVersionStillResumesSealsAndVerifies() throws Exception {
    Path file = dir.resolve("v1.hrl");
    List<byte[]> written = new ArrayList<>();
    try (ChangeLogWriter writer = ChangeLogWriter.create(1, file, DISK, 7, 1_000)) {
      for (int i = 0; i < 3; i++) {
        written.add(append(writer, i));
      }
    }
    // The agent restarts: the live log is resumed in its own version and sealed later.
    List<LogEntry> replayed = new ArrayList<>();
    ChangeLogWriter resumed = ChangeLogWriter.resume(file, replayed::add);
    assertThat(replayed).hasSize(3);
    written.add(append(resumed, 3));
    byte[] sealed = resumed.seal(2_000);

    // The trailer holds exactly SHA-256 over every record's fields and data: version 1's digest.
    MessageDigest expected = Checksums.sha256();
    for (int i = 0; i < written.size(); i++) {
      byte[] data = written.get(i);
      Checksums.addRecord(
          expected, offset(i), data.length, false, Checksums.crc32c(data), ByteBuffer.wrap(data));
    }
    assertThat(sealed).isEqualTo(expected.digest());
    try (ChangeLogReader reader = ChangeLogReader.open(file)) {
      List<byte[]> read = new ArrayList<>();
      LogFormat.Trailer trailer = reader.verifySealed(e -> read.add(e.data()));
      assertThat(trailer.recordCount()).isEqualTo(4);
      assertThat(read).containsExactlyElementsOf(written);
    }
  }

  @Test
  void R13_aRecordRewrittenWithMatchingCrcsFailsTheDigestInEitherVersion() throws Exception {
    for (int version = LogFormat.OLDEST_VERSION; version <= LogFormat.VERSION; version++) {
      Path file = dir.resolve("v" + version + ".hrl");
      try (ChangeLogWriter writer = ChangeLogWriter.create(version, file, DISK, 1, 1_000)) {
        append(writer, 0);
        append(writer, 1);
        writer.seal(2_000);
      }
      try (ChangeLogReader reader = ChangeLogReader.open(file)) {
        reader.verifySealed(e -> {});
      }
      rewriteFirstRecordConsistently(file);
      // Each record on its own is whole and valid: only the digest can tell.
      try (ChangeLogReader reader = ChangeLogReader.open(file)) {
        assertThat(reader.next()).isNotNull();
        assertThat(reader.next()).isNotNull();
      }
      try (ChangeLogReader reader = ChangeLogReader.open(file)) {
        assertThatThrownBy(() -> reader.verifySealed(e -> {}))
            .as("version %d", version)
            .isInstanceOf(CorruptLogException.class)
            .hasMessageContaining("do not match the trailer's")
            .hasMessageContaining("SHA-256");
      }
    }
  }

  @Test
  void R13_theDigestIsTheSameForDataInHeapAndDirectBuffers() throws Exception {
    byte[] data = new byte[3 * LogDigest.PIECE + 123];
    new Random(5).nextBytes(data);
    ByteBuffer direct = ByteBuffer.allocateDirect(data.length + 10);
    direct.position(10);
    direct.put(data).position(10);
    byte[][] sums = new byte[3][];
    ByteBuffer[] buffers = {
      ByteBuffer.wrap(data), direct, ByteBuffer.wrap(data).asReadOnlyBuffer()
    };
    for (int i = 0; i < buffers.length; i++) {
      try (ChangeLogWriter writer =
          ChangeLogWriter.create(dir.resolve("b" + i + ".hrl"), DISK, 1, 1_000)) {
        writer.appendData(0, buffers[i]);
        assertThat(buffers[i].position()).isEqualTo(i == 1 ? 10 : 0);
        sums[i] = writer.seal(2_000);
      }
      try (ChangeLogReader reader = ChangeLogReader.open(dir.resolve("b" + i + ".hrl"))) {
        reader.verifySealed(e -> {});
      }
    }
    assertThat(sums[1]).isEqualTo(sums[0]);
    assertThat(sums[2]).isEqualTo(sums[0]);
  }

  @Test
  void R13_newLogsAreWrittenInTheCurrentVersion() throws Exception {
    Path file = dir.resolve("new.hrl");
    try (ChangeLogWriter writer = ChangeLogWriter.create(file, DISK, 1, 1_000)) {
      append(writer, 0);
      writer.seal(2_000);
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer version = ByteBuffer.allocate(4);
      channel.read(version, LogFormat.MAGIC.length);
      assertThat(version.flip().getInt()).isEqualTo(LogFormat.VERSION).isEqualTo(2);
    }
  }

  private static long offset(int i) {
    return i * 65536L;
  }

  private static byte[] append(ChangeLogWriter writer, int i) throws IOException {
    byte[] data = new byte[16 * 1024 + i];
    new Random(i).nextBytes(data);
    writer.appendData(offset(i), ByteBuffer.wrap(data));
    return data;
  }

  /** New data for the first record, with its data CRC and record-header CRC made to match. */
  private static void rewriteFirstRecordConsistently(Path file) throws IOException {
    int headerBytes;
    try (ChangeLogReader reader = ChangeLogReader.open(file)) {
      headerBytes = reader.headerBytes();
    }
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      byte[] fields = new byte[LogFormat.RECORD_HEADER_BYTES];
      channel.read(ByteBuffer.wrap(fields), headerBytes);
      int length = ByteBuffer.wrap(fields).getInt(9);
      byte[] data = new byte[length];
      new Random(99).nextBytes(data);
      ByteBuffer.wrap(fields).putInt(13, Checksums.crc32c(data));
      ByteBuffer.wrap(fields).putInt(17, LogFormat.crc(fields, 0, 17));
      channel.write(ByteBuffer.wrap(fields), headerBytes);
      channel.write(ByteBuffer.wrap(data), headerBytes + LogFormat.RECORD_HEADER_BYTES);
    }
  }
}
