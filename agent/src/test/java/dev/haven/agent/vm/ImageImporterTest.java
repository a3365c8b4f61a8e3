package dev.haven.agent.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.agent.TestFiles;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R5 import: a VM made from an existing raw or qcow2 image (real files, real {@code qemu-img})
 * holds exactly the image's bytes in a sparse raw disk; a missing, unreadable or foreign image is
 * refused naming {@code image_path}, and no VM or file is left behind.
 */
class ImageImporterTest {
  private static final long SIZE = 16L << 20;

  @TempDir Path tmp;

  private static VmSpec spec(String name) {
    return new VmSpec(name, 1, 256, List.of(), List.of("lan"), "");
  }

  @Test
  void R5_importMakesARawSparseDiskWithTheImagesBytes_rawAndQcow2() throws Exception {
    Path raw = tmp.resolve("guest.raw");
    try (RandomAccessFile file = new RandomAccessFile(raw.toFile(), "rw")) {
      file.setLength(SIZE);
      SplittableRandom random = new SplittableRandom(5);
      for (long at : new long[] {0, 3L << 20, SIZE - 65536}) {
        byte[] block = new byte[65536];
        random.nextBytes(block);
        file.seek(at);
        file.write(block);
      }
    }
    Path qcow2 = tmp.resolve("guest.qcow2");
    TestFiles.run(
        java.util.List.of(
            "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()));

    FileVmDriver driver = new FileVmDriver(tmp.resolve("data"));
    ImageImporter importer = new ImageImporter(driver, tmp.resolve("data"));
    for (Path image : List.of(raw, qcow2)) {
      VmRecord vm = importer.importVm(spec("imported"), image);
      assertThat(vm.disks()).hasSize(1);
      Path disk = vm.disks().get(0).image();
      assertThat(Files.size(disk)).isEqualTo(SIZE);
      assertThat(TestFiles.sha256(disk)).isEqualTo(TestFiles.sha256(raw));
      assertThat(allocatedBytes(disk)).as("zeros are not written").isLessThan(SIZE / 4);
      assertThat(driver.find(vm.id())).isPresent();
    }
    driver.close();
  }

  @Test
  void R5_aMissingUnreadableOrForeignImageIsRefusedAndNothingIsCreated() throws Exception {
    FileVmDriver driver = new FileVmDriver(tmp.resolve("data"));
    ImageImporter importer = new ImageImporter(driver, tmp.resolve("data"));
    Path vmdk = tmp.resolve("guest.vmdk");
    TestFiles.run(
        java.util.List.of("qemu-img", "create", "-q", "-f", "vmdk", vmdk.toString(), "1M"));
    Path locked = tmp.resolve("locked.raw");
    Files.write(locked, new byte[4096]);
    locked.toFile().setReadable(false);

    assertThatThrownBy(() -> importer.importVm(spec("x"), tmp.resolve("nothere.qcow2")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image_path");
    assertThatThrownBy(() -> importer.importVm(spec("x"), vmdk))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image_path")
        .hasMessageContaining("vmdk");
    assertThatThrownBy(() -> importer.importVm(spec("x"), tmp))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image_path");
    if (!Files.isReadable(locked)) {
      // Root reads every file, so this refusal shows only for other users.
      assertThatThrownBy(() -> importer.importVm(spec("x"), locked))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("image_path");
    }
    assertThatThrownBy(
            () ->
                importer.importVm(new VmSpec("x", 1, 256, List.of(1L << 20), List.of(), ""), vmdk))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("disk_size_bytes");

    assertThat(driver.list()).isEmpty();
    try (var left = Files.list(tmp.resolve("data").resolve("vms"))) {
      assertThat(left.toList()).isEmpty();
    }
    driver.close();
  }

  private static long allocatedBytes(Path file) throws Exception {
    Process du = new ProcessBuilder("du", "-k", file.toString()).start();
    String out =
        new String(du.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    du.waitFor();
    return Long.parseLong(out.split("\\s+")[0]) * 1024;
  }
}
