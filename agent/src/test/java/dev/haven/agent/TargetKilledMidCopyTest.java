package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.replication.CopyPlan;
import dev.haven.agent.replication.CopyTally;
import dev.haven.protocol.AgentServiceGrpc.AgentServiceBlockingStub;
import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R11 and the data-plane faults, the other side of {@link SourceKilledMidCopyTest}: the target
 * agent, a real process, is killed with {@code kill -9} between two checkpoints of an initial copy
 * (which force the image only every 256 chunks). Started again, it keeps every chunk its copy
 * journal proves is in the image, so the resumed copy sends again only the chunks that were in
 * flight when it died, not the hundred since the last checkpoint; the replica equals the source.
 */
class TargetKilledMidCopyTest {
  private static final long SIZE = 192 * MIB;

  /**
   * Chunks that can be between the sender's {@code send} and the target's write when it dies: the
   * sender's on-ready allowance (4), the HTTP/2 window, the one being written, with room to spare.
   */
  private static final int IN_FLIGHT = 16;

  @TempDir Path root;

  @Test
  void R11_targetKilledMidCopyReceivesAgainOnlyTheChunksInFlight() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(root.resolve("ca"));
    AgentConfig configA =
        new AgentConfig(
            "host-a",
            "primary",
            root.resolve("a/data"),
            "127.0.0.1",
            TwoAgents.freePort(),
            "127.0.0.1",
            TwoAgents.freePort(),
            ca.issue(root.resolve("a/tls"), "agent-a", List.of()));
    try (AgentServer a = AgentServer.start(configA);
        AgentProcess b = new AgentProcess(root.resolve("b"), ca);
        AgentChannels client =
            new AgentChannels(
                ca.issue(root.resolve("worker"), "worker", List.of()).channelCredentials())) {
      b.start();
      AgentServiceBlockingStub stubA = stub(client, a.grpcAddress());
      Vm vm =
          stubA.createVm(
              CreateVmRequest.newBuilder()
                  .setName("target-killed")
                  .setCpus(1)
                  .setMemoryMib(256)
                  .addDiskSizeBytes(SIZE)
                  .build());
      String diskId = vm.getDisks(0).getId();
      stubA.setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(true).build());
      fillWithRandomData(diskId, a, root.resolve("random.raw"));
      stubA.setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(false).build());

      ReplicationState target =
          stub(client, b.grpcAddress())
              .prepareReplica(
                  PrepareReplicaRequest.newBuilder().setItemId("item-tk").setSourceVm(vm).build());
      StartReplicationRequest.Builder start =
          StartReplicationRequest.newBuilder()
              .setItemId("item-tk")
              .setVmId(vm.getId())
              .setTargetAddress(b.grpcAddress())
              .setReplicaVmId(target.getVmId());
      for (DiskMapping mapping : target.getDisksList()) {
        start.addDisks(mapping);
      }
      stubA.startReplication(start.build());
      String replicaDisk = target.getDisks(0).getReplicaDiskId();
      long total = CopyPlan.chunkCount(SIZE);

      Iterator<CopyProgress> copy = copy(client, a, diskId, 0);
      long seen = 0;
      while (seen < 96 && copy.hasNext()) {
        seen = copy.next().getNextChunk();
      }
      b.kill();
      try {
        copy.forEachRemaining(p -> {});
      } catch (StatusRuntimeException expected) {
        // The target died under the stream.
      }
      long sentBeforeKill = a.source().sentTally().of(diskId).chunks();
      assertThat(sentBeforeKill)
          .as("the kill landed between the first two checkpoints")
          .isBetween(96L, 255L);

      b.start();
      client.channel(b.grpcAddress()).resetConnectBackoff();
      long kept =
          stub(client, b.grpcAddress())
              .getReplicationState(ItemRef.newBuilder().setItemId("item-tk").build())
              .getCopies(0)
              .getNextChunk();
      assertThat(kept)
          .as("chunks the restarted target keeps of the %d sent", sentBeforeKill)
          .isGreaterThanOrEqualTo(sentBeforeKill - IN_FLIGHT);

      List<CopyProgress> resumed = new ArrayList<>();
      copy(client, a, diskId, kept).forEachRemaining(resumed::add);
      assertThat(resumed.get(resumed.size() - 1).getDone()).isTrue();
      CopyTally.Counts sent = a.source().sentTally().of(diskId);
      assertThat(sent.chunks()).isEqualTo(sentBeforeKill + (total - kept));
      assertThat(sent.rewrittenChunks())
          .as("chunks sent twice: only those in flight at the kill")
          .isEqualTo(sentBeforeKill - kept)
          .isLessThanOrEqualTo(IN_FLIGHT);

      assertThat(hash(stub(client, b.grpcAddress()), target.getVmId(), replicaDisk))
          .isEqualTo(hash(stubA, vm.getId(), diskId));
      b.stop();
    }
  }

  private static Iterator<CopyProgress> copy(
      AgentChannels client, AgentServer a, String diskId, long from) {
    return client
        .agent(a.grpcAddress())
        .withDeadlineAfter(5, TimeUnit.MINUTES)
        .copyDisk(
            CopyDiskRequest.newBuilder()
                .setItemId("item-tk")
                .setDiskId(diskId)
                .setStartChunk(from)
                .build());
  }

  private static void fillWithRandomData(String diskId, AgentServer a, Path random)
      throws Exception {
    try (RandomAccessFile file = new RandomAccessFile(random.toFile(), "rw")) {
      byte[] block = new byte[(int) MIB];
      Random r = new Random(11);
      for (long i = 0; i < SIZE / MIB; i++) {
        r.nextBytes(block);
        file.write(block);
      }
    }
    run(List.of("nbdcopy", random.toString(), "nbd://" + a.nbdAddress() + "/" + diskId));
  }

  private static void run(List<String> command) throws Exception {
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectInput(new File("/dev/null"))
            .start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("%s: %s", command, output).isZero();
  }

  private static AgentServiceBlockingStub stub(AgentChannels client, String address) {
    return client.agent(address).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static String hash(AgentServiceBlockingStub stub, String vmId, String diskId) {
    return stub.hashDisk(HashDiskRequest.newBuilder().setVmId(vmId).setDiskId(diskId).build())
        .getSha256();
  }
}
