package dev.haven.agent;

import dev.haven.protocol.AgentServiceGrpc.AgentServiceBlockingStub;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * What the tests that run agents as separate processes or servers (rather than {@link TwoAgents})
 * share: configs, stubs, pairing an item, whole-disk hashes and running real tools.
 */
final class AgentCalls {
  private AgentCalls() {}

  /** An in-process agent's config under {@code root/name}, on free loopback ports. */
  static AgentConfig config(Path root, CertificateAuthority ca, String name, String site)
      throws IOException {
    return new AgentConfig(
        "host-" + name,
        site,
        root.resolve(name).resolve("data"),
        "127.0.0.1",
        TwoAgents.freePort(),
        "127.0.0.1",
        TwoAgents.freePort(),
        ca.issue(root.resolve(name).resolve("tls"), "agent-" + name, List.of()));
  }

  static AgentServiceBlockingStub stub(AgentChannels client, String address) {
    return client.agent(address).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** PrepareReplica on the target, then StartReplication on the source; the target's state. */
  static ReplicationState pair(
      AgentServiceBlockingStub source,
      AgentServiceBlockingStub target,
      String targetAddress,
      String itemId,
      Vm vm) {
    ReplicationState replica =
        target.prepareReplica(
            PrepareReplicaRequest.newBuilder().setItemId(itemId).setSourceVm(vm).build());
    StartReplicationRequest.Builder start =
        StartReplicationRequest.newBuilder()
            .setItemId(itemId)
            .setVmId(vm.getId())
            .setTargetAddress(targetAddress)
            .setReplicaVmId(replica.getVmId());
    for (DiskMapping mapping : replica.getDisksList()) {
      start.addDisks(mapping);
    }
    source.startReplication(start.build());
    return replica;
  }

  /** The SHA-256 of a whole disk, as its agent computes it. */
  static String hash(AgentServiceBlockingStub stub, String vmId, String diskId) {
    return stub.hashDisk(HashDiskRequest.newBuilder().setVmId(vmId).setDiskId(diskId).build())
        .getSha256();
  }

  /** Writes {@code bytes} of seeded random data to {@code file}, a MiB at a time. */
  static void randomFile(Path file, long bytes, long seed) throws IOException {
    try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
      byte[] block = new byte[1 << 20];
      Random random = new Random(seed);
      for (long written = 0; written < bytes; written += block.length) {
        random.nextBytes(block);
        out.write(block, 0, (int) Math.min(block.length, bytes - written));
      }
    }
  }
}
