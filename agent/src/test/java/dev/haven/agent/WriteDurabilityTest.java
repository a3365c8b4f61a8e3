package dev.haven.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.changelog.ChangeLogReader;
import dev.haven.agent.changelog.DiskChangeLogs;
import dev.haven.agent.changelog.LogEntry;
import dev.haven.agent.changelog.SealedLog;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R13: a guest write acknowledged after FLUSH or with FUA survives {@code kill -9} of the agent, in
 * the image and in the change log, and the torn tail that a kill leaves in the live log is cut. The
 * agent runs as its own process; the guest is real qemu-io over NBD.
 */
class WriteDurabilityTest {
  private static final int MIB = 1 << 20;
  private static final int SIZE = 16 * MIB;
  // Acknowledged writes go to the first half, the stream cut by the kill to the second half, so
  // that the outcome of every acknowledged byte is known.
  private static final int HALF = SIZE / 2;
  private static final int BLOCK = 64 * 1024;

  @TempDir Path root;

  @Test
  void R13_acknowledgedWritesSurviveKillMinus9() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(root.resolve("ca"));
    TlsFiles worker = ca.issue(root.resolve("worker"), "worker", List.of());
    byte[] expected = new byte[HALF];
    Random random = new Random(13);
    Path vmDir;
    String diskId;
    try (AgentProcess agent = new AgentProcess(root.resolve("agent"), ca);
        AgentChannels client = new AgentChannels(worker.channelCredentials())) {
      agent.start();
      Vm vm = trackedVm(client, agent.grpcAddress());
      diskId = vm.getDisks(0).getId();
      vmDir = agent.dataDir().resolve("vms").resolve(vm.getId());
      String uri = "nbd://127.0.0.1:" + agent.nbdPort + "/" + diskId;

      qemuIo(uri, "writethrough", writes(random, expected, 24, 1), false);
      qemuIo(uri, "writeback", writes(random, expected, 24, 101), true);

      Path liveLog = vmDir.resolve(String.format("%s-%012d.hrl", diskId, 1));
      long acknowledgedEnd = Files.size(liveLog);
      Process stream = unacknowledgedStream(uri);
      waitForGrowth(liveLog, acknowledgedEnd + 2 * MIB, stream);
      agent.kill();
      stream.destroyForcibly().waitFor();

      // What a kill between a record's header and its data leaves behind, made certain here.
      long beforeTear = Files.size(liveLog);
      appendTornRecord(liveLog);
      agent.start();

      try (ChangeLogReader reader = ChangeLogReader.open(liveLog)) {
        while (reader.next() != null) {
          // Read to the end: every record left must be whole.
        }
        assertThat(reader.stopReason()).isNull();
        assertThat(Files.size(liveLog))
            .isEqualTo(reader.validEnd())
            .isLessThanOrEqualTo(beforeTear);
        assertThat(reader.validEnd()).isGreaterThanOrEqualTo(acknowledgedEnd);
      }
      Path copy = root.resolve("copy.raw");
      Files.createFile(copy);
      run("nbdcopy", uri, copy.toString());
      assertThat(Arrays.copyOf(Files.readAllBytes(copy), HALF)).isEqualTo(expected);
      agent.stop();
    }

    Path image = vmDir.resolve(diskId + ".img");
    assertThat(Arrays.copyOf(Files.readAllBytes(image), HALF)).isEqualTo(expected);
    assertThat(Arrays.copyOf(replayLogs(vmDir, diskId), HALF)).isEqualTo(expected);
  }

  private static Vm trackedVm(AgentChannels client, String address) {
    var agent = client.agent(address).withDeadlineAfter(60, TimeUnit.SECONDS);
    Vm vm =
        agent.createVm(
            CreateVmRequest.newBuilder()
                .setName("guest")
                .setCpus(1)
                .setMemoryMib(512)
                .addDiskSizeBytes(SIZE)
                .build());
    agent.setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(true).build());
    // Replication to a target that need not exist turns change tracking on.
    agent.startReplication(
        StartReplicationRequest.newBuilder()
            .setItemId("item-r13")
            .setVmId(vm.getId())
            .setTargetAddress("127.0.0.1:1")
            .setReplicaVmId("vm-00000000")
            .addDisks(
                DiskMapping.newBuilder()
                    .setSourceDiskId(vm.getDisks(0).getId())
                    .setReplicaDiskId("disk-00000000"))
            .build());
    return vm;
  }

  /** qemu-io write commands at random 4 KiB-aligned offsets of the first half, applied to model. */
  private static List<String> writes(Random random, byte[] model, int count, int firstPattern) {
    List<String> commands = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int offset = random.nextInt((HALF - BLOCK) / 4096) * 4096;
      int pattern = (firstPattern + i) & 0xff;
      Arrays.fill(model, offset, offset + BLOCK, (byte) pattern);
      commands.add("write -P " + pattern + " " + offset + " " + BLOCK);
    }
    return commands;
  }

  /** Runs the writes through qemu-io in one connection; they are acknowledged when it succeeds. */
  private void qemuIo(String uri, String cache, List<String> writes, boolean flush)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw", "-t", cache, uri));
    for (String write : writes) {
      command.add("-c");
      command.add(write);
    }
    if (flush) {
      command.add("-c");
      command.add("flush");
    }
    String output = run(command.toArray(String[]::new));
    assertThat(output).doesNotContain("failed");
  }

  /** Thousands of writes to the second half that nobody waits for: the kill cuts them short. */
  private Process unacknowledgedStream(String uri) throws IOException {
    StringBuilder script = new StringBuilder();
    Random random = new Random(7);
    for (int i = 0; i < 4000; i++) {
      int offset = HALF + random.nextInt((HALF - BLOCK) / 4096) * 4096;
      script.append("write -P 204 ").append(offset).append(' ').append(BLOCK).append('\n');
    }
    Path input = root.resolve("stream.qemu-io");
    Files.writeString(input, script);
    return new ProcessBuilder("qemu-io", "-f", "raw", "-t", "writeback", uri)
        .redirectErrorStream(true)
        .redirectOutput(root.resolve("stream.out").toFile())
        .redirectInput(input.toFile())
        .start();
  }

  private static void waitForGrowth(Path file, long size, Process writer) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (Files.size(file) < size && writer.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(writer.isAlive())
        .as("the stream is still writing when the agent is killed")
        .isTrue();
  }

  /** A data record's header that promises 64 KiB, followed by only a part of the data. */
  private static void appendTornRecord(Path log) throws IOException {
    byte[] data = new byte[BLOCK];
    Arrays.fill(data, (byte) 0x5a);
    CRC32C dataCrc = new CRC32C();
    dataCrc.update(data);
    ByteBuffer header = ByteBuffer.allocate(21);
    header.put((byte) 1).putLong(HALF).putInt(BLOCK).putInt((int) dataCrc.getValue());
    CRC32C headerCrc = new CRC32C();
    headerCrc.update(header.array(), 0, 17);
    header.putInt((int) headerCrc.getValue()).flip();
    byte[] torn = new byte[21 + BLOCK / 3];
    header.get(torn, 0, 21);
    System.arraycopy(data, 0, torn, 21, BLOCK / 3);
    Files.write(log, torn, StandardOpenOption.APPEND);
  }

  /** Seals the live log and applies every log of the disk, in order, to a zeroed disk. */
  private static byte[] replayLogs(Path vmDir, String diskId) throws IOException {
    byte[] disk = new byte[SIZE];
    try (DiskChangeLogs logs = DiskChangeLogs.open(vmDir, diskId, entry -> {}, () -> {})) {
      logs.seal();
      for (SealedLog log : logs.sealed()) {
        log.forEach(entry -> apply(disk, entry));
      }
    }
    return disk;
  }

  private static void apply(byte[] disk, LogEntry entry) {
    int offset = (int) entry.offset();
    if (entry.zero()) {
      Arrays.fill(disk, offset, offset + entry.length(), (byte) 0);
    } else {
      System.arraycopy(entry.data(), 0, disk, offset, entry.length());
    }
  }

  private String run(String... command) throws Exception {
    Path output = Files.createTempFile(root, "tool-", ".out");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", List.of(command)).isTrue();
    String text = Files.readString(output);
    assertThat(process.exitValue()).as("%s failed:%n%s", List.of(command), text).isZero();
    return text;
  }
}
