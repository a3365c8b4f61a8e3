package dev.haven.agent.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.haven.agent.ErrorStatus;
import dev.haven.agent.changelog.LogEntry;
import dev.haven.agent.changelog.SealedLog;
import io.grpc.Status;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up: the write that does not fit fails with the file system's "No space left"
 * (RESOURCE_EXHAUSTED to a gRPC caller), and the change log keeps exactly the writes that
 * succeeded. Runs on a real 8 MiB tmpfs, so it needs the right to mount one (root); it is skipped
 * elsewhere.
 */
class FullDiskTest {
  private static final long SIZE = 64L * 1024 * 1024;

  @TempDir Path tmp;
  private Path mount;
  private boolean mounted;

  @BeforeEach
  void mountSmallDisk() throws Exception {
    mount = Files.createDirectory(tmp.resolve("small"));
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount.toString())
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    mounted = p.waitFor() == 0;
    assumeTrue(mounted, "cannot mount a tmpfs here");
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted) {
      new ProcessBuilder("umount", mount.toString()).start().waitFor();
    }
  }

  @Test
  void fullDiskFailsTheWriteAndKeepsLogAndImageInStep() throws Exception {
    Path image = mount.resolve("disk-00000001.img");
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(SIZE);
    }
    // Room for the trailer and the next log once the disk is full, freed after the failure.
    Path spare = Files.write(mount.resolve("spare"), new byte[256 * 1024]);
    List<Long> written = new ArrayList<>();
    IOException full = null;
    try (TrackedDisk disk = TrackedDisk.open(image, SIZE, "disk-00000001")) {
      disk.logs().setTracking(true);
      byte[] block = new byte[384 * 1024];
      Random random = new Random(1);
      for (long offset = 0; offset + block.length <= SIZE; offset += block.length) {
        random.nextBytes(block);
        try {
          disk.write(offset, ByteBuffer.wrap(block), false);
          written.add(offset);
        } catch (IOException e) {
          full = e;
          break;
        }
      }
      assertThat(full).isNotNull();
      assertThat(ErrorStatus.of(full).getStatus().getCode())
          .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(ErrorStatus.of(full).getStatus().getDescription()).contains("No space left");
      Files.delete(spare);
      SealedLog sealed = disk.logs().seal();
      List<Long> logged = new ArrayList<>();
      sealed.forEach((LogEntry entry) -> logged.add(entry.offset()));
      assertThat(logged).isEqualTo(written);
    }
  }
}
