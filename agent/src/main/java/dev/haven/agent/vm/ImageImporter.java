package dev.haven.agent.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Import: makes a VM from an existing raw or qcow2 image on the host, so that users can protect the
 * VMs they already have. {@code qemu-img info} names the image's format and virtual size; the image
 * is converted ({@code qemu-img convert -O raw}, which skips zeros, so the result is sparse) beside
 * the VM folders, and only then does the VM exist, with the converted image as its one disk. A bad
 * image is refused with an {@link IllegalArgumentException} naming {@code image_path}, and nothing
 * is created.
 */
public final class ImageImporter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> FORMATS = List.of("raw", "qcow2");

  private final FileVmDriver driver;
  private final Path scratch;
  private final String qemuImg;

  /** Converts into {@code <dataDir>/vms} with {@code qemu-img} from the PATH. */
  public ImageImporter(FileVmDriver driver, Path dataDir) {
    this(driver, dataDir.resolve("vms"), "qemu-img");
  }

  ImageImporter(FileVmDriver driver, Path scratch, String qemuImg) {
    this.driver = driver;
    this.scratch = scratch;
    this.qemuImg = qemuImg;
  }

  /** The VM of {@code spec} (its disk sizes ignored) with the content of {@code image}. */
  public VmRecord importVm(VmSpec spec, Path image) throws IOException {
    if (spec.diskSizeBytes() != null && !spec.diskSizeBytes().isEmpty()) {
      throw new IllegalArgumentException(
          "image_path and disk_size_bytes exclude each other: an imported VM has the image's disk");
    }
    if (!Files.isRegularFile(image)) {
      throw new IllegalArgumentException("image_path " + image + " is not a file on this host");
    }
    if (!Files.isReadable(image)) {
      throw new IllegalArgumentException("image_path " + image + " is not readable by the agent");
    }
    JsonNode info = info(image);
    String format = info.path("format").asText("");
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException(
          "image_path " + image + " is a " + format + " image; only raw and qcow2 are imported");
    }
    long size = info.path("virtual-size").asLong(0);
    if (size <= 0) {
      throw new IllegalArgumentException("image_path " + image + " has no virtual size");
    }
    Path converted = Files.createTempFile(scratch, ".import-", ".raw");
    try {
      run(
          List.of(
              qemuImg,
              "convert",
              "-q",
              "-f",
              format,
              "-O",
              "raw",
              image.toString(),
              converted.toString()),
          "convert");
      VmRecord vm =
          driver.create(
              new VmSpec(
                  spec.name(),
                  spec.cpus(),
                  spec.memoryMiB(),
                  List.of(size),
                  spec.networks(),
                  spec.replicaOfItem()));
      try {
        // The VM's disk has not been opened yet (it is off), so its image can be replaced.
        Files.move(
            converted,
            vm.disks().get(0).image(),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        driver.delete(vm.id());
        throw e;
      }
      return vm;
    } finally {
      Files.deleteIfExists(converted);
    }
  }

  private JsonNode info(Path image) throws IOException {
    String out = run(List.of(qemuImg, "info", "--output=json", image.toString()), "info");
    try {
      return JSON.readTree(out);
    } catch (IOException e) {
      throw new IllegalArgumentException("image_path " + image + " is not an image qemu-img reads");
    }
  }

  private String run(List<String> command, String what) throws IOException {
    Path output = Files.createTempFile(scratch, ".qemu-img-", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(30, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IOException("qemu-img " + what + " did not finish");
      }
      String text = Files.readString(output);
      if (process.exitValue() != 0) {
        throw new IllegalArgumentException(
            "image_path: qemu-img " + what + " failed: " + text.trim());
      }
      return text;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted during qemu-img " + what, e);
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
