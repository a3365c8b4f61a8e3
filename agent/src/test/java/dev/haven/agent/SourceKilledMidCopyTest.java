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
import dev.haven.protocol.ReplicateCycleRequest;
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
 * R11 and the data-plane faults: the source agent, a real process, is killed with {@code kill -9}
 * in the middle of an initial copy while a guest (qemu-io over NBD) writes ahead of the copier. It
 * is started again, the guest writes more, and the copy resumes where the target stands. The target
 * counts what it received: every chunk of the disk once, none written twice, and the replica equals
 * the source after the first cycle, although the resumed copy read a new snapshot.
 *
 * <p>The bound: the target stores its progress when the source's stream breaks, so a kill of the
 * source costs no chunk twice. Only chunks received after the target's last stored checkpoint are
 * sent again, which happens when the target itself dies before storing it: at most {@code
 * ChunkReceiver.CHECKPOINT_EVERY} chunks.
 */
class SourceKilledMidCopyTest {
  private static final long SIZE = 256 * MIB;

  @TempDir Path root;

  @Test
  void R11_sourceKilledMidCopyResumesWithoutSendingAChunkTwice() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(root.resolve("ca"));
    try (AgentServer b = AgentServer.start(AgentCalls.config(root, ca, "b", "secondary"), false);
        AgentProcess a = new AgentProcess(root.resolve("a"), ca);
        AgentChannels client =
            new AgentChannels(
                ca.issue(root.resolve("worker"), "worker", List.of()).channelCredentials())) {
      a.start();
      AgentServiceBlockingStub stubA = stub(client, a.grpcAddress());
      AgentServiceBlockingStub stubB = stub(client, b.grpcAddress());
      Vm vm =
          stubA.createVm(
              CreateVmRequest.newBuilder()
                  .setName("killed-copy")
                  .setCpus(1)
                  .setMemoryMib(256)
                  .addDiskSizeBytes(SIZE)
                  .build());
      String diskId = vm.getDisks(0).getId();
      stubA.setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(true).build());
      String uri = "nbd://127.0.0.1:" + a.nbdPort + "/" + diskId;
      Path random = root.resolve("random.raw");
      AgentCalls.randomFile(random, SIZE, 7);
      run(List.of("nbdcopy", random.toString(), uri));

      ReplicationState target = pair(stubA, stubB, b.grpcAddress(), "item-kc", vm);
      String replicaDisk = target.getDisks(0).getReplicaDiskId();
      long total = CopyPlan.chunkCount(SIZE);

      // The copy runs; once it is past chunk 16 the guest writes far ahead of it (blocks the
      // snapshot keeps, in the killed agent's memory only), then the agent dies.
      Iterator<CopyProgress> copy =
          client
              .agent(a.grpcAddress())
              .withDeadlineAfter(5, TimeUnit.MINUTES)
              .copyDisk(
                  CopyDiskRequest.newBuilder().setItemId("item-kc").setDiskId(diskId).build());
      long seen = 0;
      while (seen < 16 && copy.hasNext()) {
        seen = copy.next().getNextChunk();
      }
      guestWrites(uri, List.of(200, 230, 255), 0x3c);
      a.kill();
      try {
        copy.forEachRemaining(p -> {});
      } catch (StatusRuntimeException expected) {
        // The source died under the stream.
      }
      // Back up (a restart takes seconds, long enough for the target to see the stream break
      // and store what it received), the guest writes on both sides of where the copy stands,
      // and the copy resumes from the target's persisted chunk, as the copy activity asks.
      a.start();
      client.channel(a.grpcAddress()).resetConnectBackoff();
      long persisted = stubB.getReplicationState(item()).getCopies(0).getNextChunk();
      assertThat(persisted)
          .as("the kill landed in the middle of the copy")
          .isBetween(1L, total - 1);
      CopyTally.Counts beforeRestart = b.target().copyTally().of(replicaDisk);
      assertThat(beforeRestart.chunks()).isEqualTo(persisted);
      guestWrites(uri, List.of(1, (int) persisted + 2, 240), 0x4d);
      List<CopyProgress> resumed = new ArrayList<>();
      client
          .agent(a.grpcAddress())
          .withDeadlineAfter(5, TimeUnit.MINUTES)
          .copyDisk(
              CopyDiskRequest.newBuilder()
                  .setItemId("item-kc")
                  .setDiskId(diskId)
                  .setStartChunk(persisted)
                  .build())
          .forEachRemaining(resumed::add);
      CopyProgress last = resumed.get(resumed.size() - 1);
      assertThat(last.getDone()).isTrue();
      assertThat(last.getBytesSent()).isEqualTo((total - persisted) * MIB);

      CopyTally.Counts counts = b.target().copyTally().of(replicaDisk);
      assertThat(counts.rewrittenChunks()).as("no chunk written twice").isZero();
      assertThat(counts.chunks()).as("every chunk once").isEqualTo(total);
      assertThat(counts.bytes()).as("bytes received: the disk's, once").isEqualTo(SIZE);

      stub(client, a.grpcAddress())
          .replicateCycle(ReplicateCycleRequest.newBuilder().setItemId("item-kc").build());
      assertThat(hash(stubB, target.getVmId(), replicaDisk))
          .isEqualTo(hash(stub(client, a.grpcAddress()), vm.getId(), diskId));
      a.stop();
    }
  }

  /** One qemu-io session writing 64 KiB of {@code pattern} at the start of each chunk given. */
  private static void guestWrites(String uri, List<Integer> chunks, int pattern) throws Exception {
    List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw", "-t", "none", uri));
    for (int chunk : chunks) {
      command.add("-c");
      command.add("write -P " + pattern + " " + chunk * MIB + " 64k");
    }
    command.add("-c");
    command.add("flush");
    run(command);
  }

  private static ItemRef item() {
    return ItemRef.newBuilder().setItemId("item-kc").build();
  }
}
