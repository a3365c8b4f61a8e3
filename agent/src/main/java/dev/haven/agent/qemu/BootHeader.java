package dev.haven.agent.qemu;

import dev.haven.agent.disk.DiskView;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A disk that carries its own direct-kernel boot: sector 0 holds a text header
 *
 * <pre>
 * HAVEN-BOOT 1
 * kernel OFFSET LENGTH
 * initrd OFFSET LENGTH
 * cmdline ...
 * </pre>
 *
 * and the kernel and initramfs are stored on the disk at those offsets. Because they travel with
 * the disk, a replica boots at the target exactly as the VM did at the source. A disk without the
 * header boots through the firmware (its own boot loader) instead.
 */
record BootHeader(
    long kernelAt, long kernelLength, long initrdAt, long initrdLength, String cmdline) {
  static final String MAGIC = "HAVEN-BOOT 1\n";
  private static final long MAX_PART = 256L << 20;

  /** The header of {@code disk}, or empty when sector 0 has none. */
  static Optional<BootHeader> read(DiskView disk) throws IOException {
    if (disk.size() < 512) {
      return Optional.empty();
    }
    ByteBuffer sector = ByteBuffer.allocate(512);
    disk.read(0, sector);
    String text = new String(sector.array(), StandardCharsets.US_ASCII);
    if (!text.startsWith(MAGIC)) {
      return Optional.empty();
    }
    long[] kernel = null;
    long[] initrd = null;
    String cmdline = "";
    for (String line :
        text.substring(0, text.indexOf('\0') < 0 ? 512 : text.indexOf('\0')).split("\n")) {
      String[] words = line.trim().split(" ", 2);
      if (words[0].equals("kernel") && words.length == 2) {
        kernel = part(words[1], disk.size());
      } else if (words[0].equals("initrd") && words.length == 2) {
        initrd = part(words[1], disk.size());
      } else if (words[0].equals("cmdline") && words.length == 2) {
        cmdline = words[1].trim();
      }
    }
    if (kernel == null) {
      throw new IOException("the disk's boot header names no kernel");
    }
    return Optional.of(
        new BootHeader(
            kernel[0],
            kernel[1],
            initrd == null ? 0 : initrd[0],
            initrd == null ? 0 : initrd[1],
            cmdline));
  }

  private static long[] part(String offsetAndLength, long diskSize) throws IOException {
    String[] numbers = offsetAndLength.trim().split("\\s+");
    try {
      long at = Long.parseLong(numbers[0]);
      long length = Long.parseLong(numbers[1]);
      if (at < 512 || length <= 0 || length > MAX_PART || at + length > diskSize) {
        throw new IOException("boot header part out of the disk: " + offsetAndLength);
      }
      return new long[] {at, length};
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      throw new IOException("bad boot header part: " + offsetAndLength, e);
    }
  }

  /** Copies the kernel to {@code kernelFile} and the initramfs (if any) to {@code initrdFile}. */
  void extract(DiskView disk, Path kernelFile, Path initrdFile) throws IOException {
    copy(disk, kernelAt, kernelLength, kernelFile);
    if (initrdLength > 0) {
      copy(disk, initrdAt, initrdLength, initrdFile);
    }
  }

  boolean hasInitrd() {
    return initrdLength > 0;
  }

  private static void copy(DiskView disk, long at, long length, Path file) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".part");
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    try (OutputStream out = Files.newOutputStream(partial)) {
      for (long done = 0; done < length; ) {
        int piece = (int) Math.min(buffer.capacity(), length - done);
        buffer.clear().limit(piece);
        disk.read(at + done, buffer);
        out.write(buffer.array(), 0, piece);
        done += piece;
      }
    }
    Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
