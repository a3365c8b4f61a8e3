package dev.haven.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectFileWriterTest {
  @TempDir Path dir;
  private DirectFileWriter writer;

  @BeforeEach
  void directIoWorksHere() throws IOException {
    writer = DirectFileWriter.forFolder(dir);
    Path probe = dir.resolve("probe");
    try {
      writer.write(probe, new byte[1]);
    } catch (IOException e) {
      Assumptions.abort("this file system refuses direct I/O: " + e.getMessage());
    }
  }

  @Test
  void R6_filesOfEverySizeAroundBlockAndSegmentEdgesReadBackByteForByte() throws Exception {
    Random random = new Random(11);
    int segment = (4 << 20) + (64 << 10);
    int[] sizes = {
      0, 1, 4095, 4096, 4097, (4 << 20) + 30, segment - 1, segment, segment + 1, (9 << 20) + 123
    };
    for (int size : sizes) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      Path file = dir.resolve("f" + size);
      writer.write(file, data);
      assertThat(Files.size(file)).as("size of %d", size).isEqualTo(size);
      assertThat(Files.readAllBytes(file)).as("bytes of %d", size).isEqualTo(data);
    }
  }

  @Test
  void anExistingFileIsNotOverwritten() throws Exception {
    Path file = dir.resolve("taken");
    Files.write(file, new byte[] {5});
    assertThatThrownBy(() -> writer.write(file, new byte[] {1, 2})).isInstanceOf(IOException.class);
    assertThat(Files.readAllBytes(file)).containsExactly(5);
  }
}
