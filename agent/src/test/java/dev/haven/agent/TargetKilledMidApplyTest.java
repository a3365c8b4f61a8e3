package dev.haven.agent;

import static dev.haven.agent.AgentCalls.hash;
import static dev.haven.agent.AgentCalls.pair;
import static dev.haven.agent.AgentCalls.stub;
import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.AgentServiceGrpc.AgentServiceBlockingStub;
import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.GetInfoRequest;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.MaterializeMode;
import dev.haven.protocol.MaterializeRecoveryPointRequest;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R13: the target agent, a real process, is killed with {@code kill -9} while it applies a log.
 * After a restart the log is shipped again and applied exactly once, the replica equals the source,
 * and the undo journal still holds the old data (the older point rebuilds byte-exactly).
 */
class TargetKilledMidApplyTest {
  @TempDir Path root;

  @Test
  void R13_targetKilledMidApplyAppliesOnce() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(root.resolve("ca"));
    AgentConfig configA = AgentCalls.config(root, ca, "a", "primary");
    AgentConfig configB = AgentCalls.config(root, ca, "b", "secondary");
    String addressB = "127.0.0.1:" + configB.grpcPort();
    AgentChannels client =
        new AgentChannels(
            ca.issue(root.resolve("worker"), "worker", List.of()).channelCredentials());
    Process b = ChildAgentMain.launch(configB, "agent-b", root.resolve("b.log"));
    try (AgentServer a = AgentServer.start(configA, false)) {
      awaitReady(client, addressB);
      AgentServiceBlockingStub stubA = stub(client, a.grpcAddress());
      Vm vm =
          stubA.createVm(
              CreateVmRequest.newBuilder()
                  .setName("killed")
                  .setCpus(1)
                  .setMemoryMib(256)
                  .addDiskSizeBytes(64 * MIB)
                  .build());
      ReplicationState target = pair(stubA, stub(client, addressB), addressB, "item-kill", vm);
      String diskId = vm.getDisks(0).getId();
      String replicaDisk = target.getDisks(0).getReplicaDiskId();
      stubA
          .copyDisk(CopyDiskRequest.newBuilder().setItemId("item-kill").setDiskId(diskId).build())
          .forEachRemaining(p -> {});
      BlockDevice disk = a.driver().device(vm.getId(), diskId);
      Random random = new Random(41);
      Replicas.writeRandom(disk, random, 40, 64 * 1024);
      cycle(client, a.grpcAddress());
      String atPoint1 = hash(stubA, vm.getId(), diskId);

      // Log 2 is big, so that applying and forcing it takes a while; b dies as soon as its undo
      // journal (written before the first block of the log) is in place.
      for (int i = 0; i < 16; i++) {
        byte[] data = new byte[(int) MIB];
        random.nextBytes(data);
        disk.write(2 * i * MIB + 4096L * random.nextInt(256), ByteBuffer.wrap(data), false);
      }
      String atPoint2 = hash(stubA, vm.getId(), diskId);
      Path journal =
          configB
              .dataDir()
              .resolve("vms")
              .resolve(target.getVmId())
              .resolve("undo")
              .resolve(replicaDisk + "-000000000002.undo");
      CompletableFuture<ReplicateCycleResponse> shipping =
          CompletableFuture.supplyAsync(() -> cycle(client, a.grpcAddress()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(journal) && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      b.destroyForcibly(); // SIGKILL
      b.waitFor();
      assertThat(journal).exists();
      assertThat(shipping).failsWithin(60, TimeUnit.SECONDS);

      b = ChildAgentMain.launch(configB, "agent-b", root.resolve("b2.log"));
      awaitReady(client, addressB);
      // Both callers of b dial again at once instead of after their reconnect back-off.
      a.channels().channel(addressB).resetConnectBackoff();
      AgentServiceBlockingStub stubB = stub(client, addressB);
      ItemRef item = ItemRef.newBuilder().setItemId("item-kill").build();
      assertThat(stubB.getReplicationState(item).getLastAppliedSeq())
          .as("killed mid-apply: log 2 was not recorded as applied")
          .isEqualTo(1);

      ReplicateCycleResponse again = PeerCalls.whenReachable(() -> cycle(client, a.grpcAddress()));
      assertThat(again.getAckedSeq()).isEqualTo(3);
      assertThat(hash(stubB, target.getVmId(), replicaDisk)).isEqualTo(atPoint2);
      assertThat(stubB.listRecoveryPoints(item).getPointsList())
          .extracting(RecoveryPoint::getSeq)
          .containsExactly(3L, 2L, 1L);
      // The redo kept the journal of the first attempt, so rp-1 is still the source at seq 1.
      assertThat(
              stubB
                  .materializeRecoveryPoint(
                      MaterializeRecoveryPointRequest.newBuilder()
                          .setItemId("item-kill")
                          .setPointId("rp-1")
                          .setMode(MaterializeMode.NEW_COPY)
                          .build())
                  .getDiskSha256List())
          .containsExactly(atPoint1);
    } finally {
      b.destroyForcibly();
      b.waitFor();
      client.close();
    }
  }

  private static ReplicateCycleResponse cycle(AgentChannels client, String address) {
    return stub(client, address)
        .replicateCycle(ReplicateCycleRequest.newBuilder().setItemId("item-kill").build());
  }

  private static void awaitReady(AgentChannels client, String address) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        client
            .agent(address)
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .getInfo(GetInfoRequest.getDefaultInstance());
        return;
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
        client.channel(address).resetConnectBackoff();
      }
    }
  }
}
