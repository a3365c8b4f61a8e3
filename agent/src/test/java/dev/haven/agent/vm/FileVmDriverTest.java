package dev.haven.agent.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.haven.agent.NotFoundException;
import dev.haven.agent.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R5: the file-backed driver's VMs, disks and power state, on real files. */
class FileVmDriverTest {
  private static final long GIB = 1024L * 1024 * 1024;

  @TempDir Path dataDir;

  private static VmSpec spec(String name, long... sizes) {
    return new VmSpec(name, 2, 1024, LongStream.of(sizes).boxed().toList(), List.of("lan"), "");
  }

  @Test
  void R5_vmIsAFolderWithVmJsonAndSparseImages() throws Exception {
    FileVmDriver driver = new FileVmDriver(dataDir);
    VmRecord vm = driver.create(spec("web", GIB));
    assertThat(vm.id()).matches("vm-[0-9a-f]{8}");
    Path folder = dataDir.resolve("vms").resolve(vm.id());
    JsonNode json = AtomicFiles.JSON.readTree(folder.resolve("vm.json").toFile());
    assertThat(json.get("name").asText()).isEqualTo("web");
    assertThat(json.get("poweredOn").asBoolean()).isFalse();
    Path image = vm.disks().get(0).image();
    assertThat(image).isEqualTo(folder.resolve(vm.disks().get(0).id() + ".img"));
    assertThat(Files.size(image)).isEqualTo(GIB);
    assertThat(allocatedKib(image)).as("a new image is sparse").isLessThan(1024);
    driver
        .device(vm.id(), vm.disks().get(0).id())
        .write(GIB - 4096, ByteBuffer.allocate(4096).put(0, (byte) 1), true);
    assertThat(allocatedKib(image)).isLessThan(1024);
    driver.close();
  }

  @Test
  void deleteRemovesTheVmsFolderAndSurvivesReopen() throws Exception {
    FileVmDriver driver = new FileVmDriver(dataDir);
    VmRecord vm = driver.create(spec("old-replica", 1 << 20));
    driver.setPower(vm.id(), true);
    driver
        .device(vm.id(), vm.disks().get(0).id())
        .write(0, ByteBuffer.wrap("bye".getBytes(StandardCharsets.UTF_8)), true);
    driver.setPower(vm.id(), false);

    assertThat(driver.delete(vm.id())).isTrue();
    assertThat(driver.delete(vm.id())).as("deleting twice is harmless").isFalse();
    assertThat(dataDir.resolve("vms").resolve(vm.id())).doesNotExist();
    assertThat(driver.find(vm.id())).isEmpty();
    driver.close();
    FileVmDriver reopened = new FileVmDriver(dataDir);
    assertThat(reopened.find(vm.id())).isEmpty();
    reopened.close();
  }

  @Test
  void R5_vmsAndPowerStateSurviveReopen() throws Exception {
    FileVmDriver driver = new FileVmDriver(dataDir);
    VmRecord vm = driver.create(spec("db", 1 << 20, 2 << 20));
    driver.setPower(vm.id(), true);
    driver
        .device(vm.id(), vm.disks().get(1).id())
        .write(0, ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)), true);
    driver.close();

    FileVmDriver reopened = new FileVmDriver(dataDir);
    VmRecord again = reopened.find(vm.id()).orElseThrow();
    assertThat(again.poweredOn()).isTrue();
    assertThat(again.disks()).isEqualTo(vm.disks());
    ByteBuffer read = ByteBuffer.allocate(5);
    reopened.device(vm.id(), vm.disks().get(1).id()).read(0, read);
    assertThat(new String(read.array(), StandardCharsets.UTF_8)).isEqualTo("hello");
    assertThat(reopened.setPower(vm.id(), false).poweredOn()).isFalse();
    try (Stream<Path> files = Files.list(dataDir.resolve("vms").resolve(vm.id()))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
    reopened.close();
  }

  @Test
  void R5_diskIdsAreUniqueAcrossVms() throws Exception {
    FileVmDriver driver = new FileVmDriver(dataDir);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      for (VmDisk disk : driver.create(spec("vm" + i, 4096, 4096, 4096)).disks()) {
        assertThat(disk.id()).matches("disk-[0-9a-f]{8}");
        assertThat(ids.add(disk.id())).isTrue();
      }
    }
    assertThat(driver.list()).hasSize(20);
    driver.close();
  }

  @Test
  void unknownVmOrDiskIsNotFound() throws Exception {
    FileVmDriver driver = new FileVmDriver(dataDir);
    VmRecord vm = driver.create(spec("x", 4096));
    assertThatThrownBy(() -> driver.setPower("vm-nothere", true))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("vm-nothere");
    assertThatThrownBy(() -> driver.device(vm.id(), "disk-nothere"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("disk-nothere");
    driver.close();
  }

  private static long allocatedKib(Path file) throws IOException, InterruptedException {
    Process du = new ProcessBuilder("du", "-k", file.toString()).start();
    String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    du.waitFor();
    return Long.parseLong(out.split("\\s+")[0]);
  }
}
