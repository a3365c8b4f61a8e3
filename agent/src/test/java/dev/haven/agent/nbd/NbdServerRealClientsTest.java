package dev.haven.agent.nbd;

import static dev.haven.agent.TestFiles.sha256;
import static dev.haven.agent.nbd.NbdTools.run;
import static dev.haven.agent.nbd.NbdTools.uri;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The NBD server against the real clients a guest may be: qemu-io, qemu-img, nbdcopy, nbdinfo. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NbdServerRealClientsTest {
  private static final int SIZE_A = 16 << 20;
  private static final int SIZE_B = 8 << 20;

  @TempDir Path dir;
  private final MapExportResolver resolver = new MapExportResolver();
  private FileBlockDevice diskA;
  private FileBlockDevice diskB;
  private NbdServer server;
  private int port;

  @BeforeEach
  void startServer() throws IOException {
    diskA = FileBlockDevice.create(dir.resolve("disk-a.raw"), SIZE_A);
    diskB = FileBlockDevice.create(dir.resolve("disk-b.raw"), SIZE_B);
    resolver.put("disk-a", diskA);
    resolver.put("disk-b", diskB);
    server = new NbdServer(resolver);
    port = server.start("127.0.0.1", 0);
  }

  @AfterEach
  void stopServer() throws IOException {
    server.close();
    diskA.close();
    diskB.close();
  }

  @Test
  void R5_qemuIoWritesLandInTheDisk_withFuaInWritethroughMode() throws Exception {
    byte[] expected = new byte[SIZE_A];
    List<String> writes = new ArrayList<>();
    List<String> reads = new ArrayList<>();
    pattern(expected, writes, reads, 0xab, 0, 65536);
    pattern(expected, writes, reads, 0x11, 70000, 3000);
    pattern(expected, writes, reads, 0xcd, (1 << 20) + 512, 128 << 10);
    pattern(expected, writes, reads, 0xee, SIZE_A - 4096, 4096);
    reads.add("read -P 0 73000 4096");

    qemuIo("writethrough", "disk-a", writes);
    assertThat(diskA.fuaWrites.get()).isEqualTo(4);
    assertThat(diskA.plainWrites.get()).isZero();
    qemuIo("writethrough", "disk-a", reads);
    assertFileHolds(diskA.path(), expected);
  }

  @Test
  void R5_qemuIoWritesLandInTheDisk_withoutFuaAndWithAFlushInCacheNoneMode() throws Exception {
    byte[] expected = new byte[SIZE_A];
    List<String> writes = new ArrayList<>();
    List<String> reads = new ArrayList<>();
    pattern(expected, writes, reads, 0x5c, 4096, 1 << 20);
    pattern(expected, writes, reads, 0x3d, 9 << 20, 777);

    qemuIo("none", "disk-a", writes);
    assertThat(diskA.plainWrites.get()).isEqualTo(2);
    assertThat(diskA.fuaWrites.get()).isZero();
    assertThat(diskA.flushes.get()).as("flush when qemu-io closes the disk").isPositive();
    qemuIo("none", "disk-a", reads);
    assertFileHolds(diskA.path(), expected);
  }

  @Test
  void R5_qemuImgConvertCopiesARawImageIntoTheExportExactly() throws Exception {
    Path source = randomFile("source.raw", SIZE_A, 1);
    run(
            dir,
            "qemu-img",
            "convert",
            "-n",
            "-f",
            "raw",
            "-O",
            "raw",
            "" + source,
            uri(port, "disk-a"))
        .succeeded();
    assertThat(sha256(diskA.path())).isEqualTo(sha256(source));
  }

  @Test
  void R5_nbdcopyCopiesIntoAndOutOfTheExportExactly() throws Exception {
    Path source = randomFile("source.raw", SIZE_A, 2);
    run(dir, "nbdcopy", "--flush", "" + source, uri(port, "disk-a")).succeeded();
    assertThat(sha256(diskA.path())).isEqualTo(sha256(source));
    assertThat(diskA.flushes.get()).isPositive();

    Path copy = dir.resolve("copy.raw");
    Files.createFile(copy);
    run(dir, "nbdcopy", uri(port, "disk-a"), "" + copy).succeeded();
    assertThat(sha256(copy)).isEqualTo(sha256(source));
  }

  @Test
  void R5_nbdinfoListsTheExportsAndShowsSizeFlagsAndBlockSize() throws Exception {
    String list = run(dir, "nbdinfo", "--list", "nbd://127.0.0.1:" + port).succeeded().output();
    assertThat(list).contains("export=\"disk-a\"", "export=\"disk-b\"");

    String info = run(dir, "nbdinfo", uri(port, "disk-b")).succeeded().output();
    assertThat(info)
        .contains("export-size: " + SIZE_B)
        .contains("can_flush: true", "can_fua: true", "can_trim: true", "can_zero: true")
        .contains("can_multi_conn: false", "is_read_only: false")
        .contains("block_size_minimum: 1", "block_size_preferred: 4096")
        .contains("block_size_maximum: 33554432");
    String size = run(dir, "nbdinfo", "--size", uri(port, "disk-a")).succeeded().output();
    assertThat(size.trim()).isEqualTo(String.valueOf(SIZE_A));
  }

  @Test
  void R5_anUnknownExportIsRefusedWithAClearError() throws Exception {
    NbdTools.Result qemu = run(dir, "qemu-io", "-f", "raw", "-c", "read 0 4k", uri(port, "nope"));
    assertThat(qemu.exitCode()).isNotZero();
    assertThat(qemu.output()).contains("Requested export not available", "no export named 'nope'");

    NbdTools.Result info = run(dir, "nbdinfo", uri(port, "nope"));
    assertThat(info.exitCode()).isNotZero();
    assertThat(info.output()).contains("nope");
  }

  @Test
  void R5_writeZeroesAndDiscardReadBackAsZeros() throws Exception {
    qemuIo("writethrough", "disk-b", List.of("write -P 0x77 0 3M"));
    qemuIo(
        "writethrough",
        "disk-b",
        List.of(
            "write -z 0 1M",
            "discard 1M 1M",
            "read -P 0 0 2M",
            "read -P 0x77 2M 1M",
            "write -z 2M 4k",
            "read -P 0 2M 4k"));
    byte[] expected = new byte[SIZE_B];
    Arrays.fill(expected, (2 << 20) + 4096, 3 << 20, (byte) 0x77);
    assertFileHolds(diskB.path(), expected);
  }

  @Test
  void R5_closeExportFlushesAndDisconnectsOnlyThatExportsClients() throws Exception {
    Process clientA =
        NbdTools.start(dir.resolve("a.out"), "qemu-io", "-f", "raw", uri(port, "disk-a"));
    Process clientB =
        NbdTools.start(dir.resolve("b.out"), "qemu-io", "-f", "raw", uri(port, "disk-b"));
    try (Writer toA = stdin(clientA);
        Writer toB = stdin(clientB)) {
      send(toA, "write -P 0x5a 0 4k");
      send(toB, "write -P 0x6b 0 4k");
      await(() -> diskA.fuaWrites.get() == 1 && diskB.fuaWrites.get() == 1);
      int flushesBefore = diskA.flushes.get();

      server.closeExport("disk-a");

      assertThat(server.clientCount("disk-a")).isZero();
      assertThat(server.clientCount("disk-b")).isEqualTo(1);
      assertThat(diskA.flushes.get()).isGreaterThan(flushesBefore);
      send(toA, "read -P 0x5a 0 4k");
      send(toA, "quit");
      send(toB, "read -P 0x6b 0 4k");
      send(toB, "quit");
    }
    assertThat(clientA.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(clientB.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(dir.resolve("a.out"))).contains("read failed");
    assertThat(Files.readString(dir.resolve("b.out")))
        .contains("read 4096/4096")
        .doesNotContain("failed");
  }

  @Test
  void R5_aClientKilledMidStreamLeavesOtherConnectionsWorking() throws Exception {
    Process survivor =
        NbdTools.start(dir.resolve("survivor.out"), "qemu-io", "-f", "raw", uri(port, "disk-b"));
    try (Writer toSurvivor = stdin(survivor)) {
      send(toSurvivor, "write -P 0x42 0 64k");
      await(() -> diskB.fuaWrites.get() == 1);

      // Slow writes down so that nbdcopy is surely in the middle of its stream when killed.
      diskA.writeDelayMillis = 20;
      Path source = randomFile("source.raw", SIZE_A, 3);
      Process victim =
          NbdTools.start(dir.resolve("victim.out"), "nbdcopy", "" + source, uri(port, "disk-a"));
      await(() -> diskA.plainWrites.get() + diskA.fuaWrites.get() >= 2);
      assertThat(victim.isAlive()).isTrue();
      victim.destroyForcibly().waitFor();
      await(() -> server.clientCount("disk-a") == 0);
      diskA.writeDelayMillis = 0;

      send(toSurvivor, "write -P 0x43 64k 64k");
      send(toSurvivor, "read -P 0x42 0 64k");
      send(toSurvivor, "read -P 0x43 64k 64k");
      send(toSurvivor, "quit");
    }
    assertThat(survivor.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(dir.resolve("survivor.out")))
        .contains("read 65536/65536 bytes at offset 65536")
        .doesNotContain("failed");
    qemuIo("writethrough", "disk-a", List.of("write -P 0x99 0 4k", "read -P 0x99 0 4k"));
  }

  private void qemuIo(String cache, String export, List<String> commands) throws Exception {
    List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw", "-t", cache));
    command.addAll(List.of("-d", "unmap"));
    for (String c : commands) {
      command.add("-c");
      command.add(c);
    }
    command.add(uri(port, export));
    NbdTools.Result result = run(dir, command.toArray(String[]::new)).succeeded();
    assertThat(result.output()).doesNotContain("failed", "error");
  }

  /** Adds a qemu-io write and its read-back, and the bytes it leaves to the expected image. */
  private static void pattern(
      byte[] expected, List<String> writes, List<String> reads, int value, int offset, int length) {
    Arrays.fill(expected, offset, offset + length, (byte) value);
    writes.add(String.format("write -P 0x%x %d %d", value, offset, length));
    reads.add(String.format("read -P 0x%x %d %d", value, offset, length));
  }

  private static void assertFileHolds(Path file, byte[] expected) throws IOException {
    byte[] actual = Files.readAllBytes(file);
    assertThat(actual.length).isEqualTo(expected.length);
    assertThat(Arrays.mismatch(actual, expected))
        .as("first differing byte in %s", file)
        .isEqualTo(-1);
  }

  private Path randomFile(String name, int size, long seed) throws IOException {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return Files.write(dir.resolve(name), data);
  }

  private static Writer stdin(Process process) {
    return new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  private static void send(Writer stdin, String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
