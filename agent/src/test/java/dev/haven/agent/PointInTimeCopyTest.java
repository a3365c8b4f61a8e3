package dev.haven.agent;

import static dev.haven.agent.AgentCalls.hash;
import static dev.haven.agent.AgentCalls.pair;
import static dev.haven.agent.AgentCalls.stub;
import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.AgentServiceGrpc.AgentServiceBlockingStub;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R11: the initial copy is a point-in-time view of the disk. A real guest (qemu-io over the source
 * agent's NBD server) writes ahead of and behind the copier while the copy runs; right after the
 * copy, before any change log is applied, the replica is the disk as it was when the copy began,
 * and after the first replication cycle it is the live disk.
 */
class PointInTimeCopyTest {
  private static final long SIZE = 64 * MIB;

  @TempDir Path root;

  @Test
  void R11_initialCopyIsAPointInTimeView() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(root.resolve("ca"));
    AgentConfig configA = AgentCalls.config(root, ca, "a", "primary");
    AgentConfig configB = AgentCalls.config(root, ca, "b", "secondary");
    TlsFiles worker = ca.issue(root.resolve("worker"), "worker", List.of());
    try (AgentServer a = AgentServer.start(configA, true);
        AgentServer b = AgentServer.start(configB, false);
        AgentChannels client = new AgentChannels(worker.channelCredentials())) {
      AgentServiceBlockingStub stubA = stub(client, a.grpcAddress());
      AgentServiceBlockingStub stubB = stub(client, b.grpcAddress());
      Vm vm =
          stubA.createVm(
              CreateVmRequest.newBuilder()
                  .setName("pit")
                  .setCpus(1)
                  .setMemoryMib(256)
                  .addDiskSizeBytes(SIZE)
                  .build());
      String diskId = vm.getDisks(0).getId();
      BlockDevice disk = a.driver().device(vm.getId(), diskId);
      byte[] data = new byte[(int) SIZE];
      new Random(17).nextBytes(data);
      disk.write(0, ByteBuffer.wrap(data), true);
      stubA.setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(true).build());
      ReplicationState target = pair(stubA, stubB, b.grpcAddress(), "item-pit", vm);
      String replicaDisk = target.getDisks(0).getReplicaDiskId();
      String atCopyStart = hash(stubA, vm.getId(), diskId);

      // The progress callback runs on the copier's thread: the guest writes while the copier
      // waits at a known chunk, some blocks behind it (already sent) and many ahead of it.
      String uri = "nbd://127.0.0.1:" + configA.nbdPort() + "/" + diskId;
      List<Long> pausedAt = new ArrayList<>();
      a.source()
          .copyDisk(
              "item-pit",
              diskId,
              0,
              (CopyProgress p) -> {
                if (!p.getDone()
                    && (pausedAt.isEmpty() || p.getNextChunk() >= 40)
                    && pausedAt.size() < 2) {
                  pausedAt.add(p.getNextChunk());
                  guestWrites(uri, p.getNextChunk() + pausedAt.size());
                }
              },
              () -> false);
      assertThat(pausedAt).hasSize(2).allMatch(chunk -> chunk < SIZE / MIB);
      String live = hash(stubA, vm.getId(), diskId);
      assertThat(live).isNotEqualTo(atCopyStart);
      assertThat(hash(stubB, target.getVmId(), replicaDisk))
          .as("the replica right after the copy is the disk when the copy began")
          .isEqualTo(atCopyStart);
      assertThat(
              Files.exists(
                  root.resolve("a/data/vms").resolve(vm.getId()).resolve(diskId + ".img.cow")))
          .as("the snapshot's spill file is gone with the snapshot")
          .isFalse();

      stubA.replicateCycle(ReplicateCycleRequest.newBuilder().setItemId("item-pit").build());
      assertThat(hash(stubB, target.getVmId(), replicaDisk))
          .as("after the first cycle the replica is the live disk")
          .isEqualTo(live);
    }
  }

  /**
   * One qemu-io session: writes and zeroes ahead of chunk {@code next}, rewrites of one block, a
   * write straddling chunks, and a write behind the copier.
   */
  private static void guestWrites(String uri, long next) {
    long mib = MIB;
    long ahead = (next + 3) * mib;
    List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw", "-t", "none", uri));
    for (String c :
        List.of(
            "write -P 0x5a " + ahead + " 64k",
            "write -P 0x6b " + ahead + " 4k",
            "write -P 0x7c " + (ahead + 12 * mib - 32 * 1024) + " 96k",
            "write -z " + (ahead + 4 * mib) + " 2M",
            "write -P 0x11 " + (next - 2) * mib + " 128k",
            "write -P 0x22 " + (SIZE - 4096) + " 4k",
            "flush")) {
      command.add("-c");
      command.add(c);
    }
    try {
      TestFiles.run(command);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
