package dev.haven.agent;

import static dev.haven.agent.AgentCalls.hash;
import static dev.haven.agent.AgentCalls.pair;
import static dev.haven.agent.AgentCalls.stub;
import static dev.haven.agent.Replicas.MIB;
import static dev.haven.agent.TestFiles.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.replication.CopyPlan;
import dev.haven.agent.replication.CopyTally;
import dev.haven.protocol.AgentServiceGrpc.AgentServiceBlockingStub;
import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
    try (AgentServer a = AgentServer.start(AgentCalls.config(root, ca, "a", "primary"));
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
      Path random = root.resolve("random.raw");
      AgentCalls.randomFile(random, SIZE, 11);
      run(List.of("nbdcopy", random.toString(), "nbd://" + a.nbdAddress() + "/" + diskId));
      stubA.setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(false).build());

      ReplicationState target =
          pair(stubA, stub(client, b.grpcAddress()), b.grpcAddress(), "item-tk", vm);
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
}
