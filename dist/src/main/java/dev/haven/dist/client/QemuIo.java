package dev.haven.dist.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real NBD guest: {@code qemu-io} writing patterns at random 64 KiB blocks of an export, and
 * {@code qemu-img} reading a whole export back. Every write is also applied to a {@link
 * GuestDiskModel}, the truth that replicas are checked against.
 */
public final class QemuIo {
  public static final int BLOCK = 64 * 1024;

  private QemuIo() {}

  /**
   * Writes {@code count} random 64 KiB blocks, each filled with one random byte, in one qemu-io
   * run. qemu-io's default cache mode is writethrough, so every write carries FUA.
   */
  public static void writeRandomBlocks(
      String nbdUri, GuestDiskModel model, SplittableRandom random, int count)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
    int blocks = model.size() / BLOCK;
    for (int i = 0; i < count; i++) {
      long offset = (long) random.nextInt(blocks) * BLOCK;
      int pattern = random.nextInt(256);
      command.add("-c");
      command.add("write -P " + pattern + " " + offset + " " + BLOCK);
      model.fill(offset, BLOCK, pattern);
    }
    command.add(nbdUri);
    run(command, 120);
  }

  /** SHA-256 of a whole NBD export, read by qemu-img into a scratch file. */
  public static String sha256OfExport(String nbdUri, Path scratchDir)
      throws IOException, InterruptedException {
    Path copy = Files.createTempFile(scratchDir, "export-", ".raw");
    try {
      run(List.of("qemu-img", "convert", "-f", "raw", "-O", "raw", nbdUri, copy.toString()), 300);
      return sha256OfFile(copy);
    } finally {
      Files.deleteIfExists(copy);
    }
  }

  /** SHA-256 of a file, in hex. */
  public static String sha256OfFile(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void run(List<String> command, int timeoutSeconds)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output;
    try (var out = process.getInputStream()) {
      output = out.readAllBytes();
    }
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(command.get(0) + " timed out");
    }
    String text = new String(output, StandardCharsets.UTF_8);
    if (process.exitValue() != 0 || text.contains("failed")) {
      throw new IOException(
          command.get(0) + " failed (exit " + process.exitValue() + "): " + text.strip());
    }
  }
}
