package dev.haven.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/** Steps that replication tests share: make a VM, protect it, copy it, write to it, compare. */
final class Replicas {
  static final long MIB = 1024 * 1024;

  private Replicas() {}

  static Vm createVm(TwoAgents agents, String name, long... diskSizes) {
    CreateVmRequest.Builder request =
        CreateVmRequest.newBuilder().setName(name).setCpus(2).setMemoryMib(512).addNetworks("lan");
    for (long size : diskSizes) {
      request.addDiskSizeBytes(size);
    }
    return agents.agentA().createVm(request.build());
  }

  /** PrepareReplica on b, then StartReplication on a; answers the target's state. */
  static ReplicationState protect(TwoAgents agents, String itemId, Vm vm) {
    ReplicationState target =
        agents
            .agentB()
            .prepareReplica(
                PrepareReplicaRequest.newBuilder()
                    .setItemId(itemId)
                    .setSourceVm(vm)
                    .putNetworkMapping("lan", "dr-lan")
                    .build());
    agents.agentA().startReplication(startRequest(agents, itemId, vm, target));
    return target;
  }

  static StartReplicationRequest startRequest(
      TwoAgents agents, String itemId, Vm vm, ReplicationState target) {
    StartReplicationRequest.Builder start =
        StartReplicationRequest.newBuilder()
            .setItemId(itemId)
            .setVmId(vm.getId())
            .setTargetAddress(agents.b.grpcAddress())
            .setReplicaVmId(target.getVmId());
    for (DiskMapping mapping : target.getDisksList()) {
      start.addDisks(mapping);
    }
    return start.build();
  }

  /** Copies one disk from {@code startChunk} and answers every progress message. */
  static List<CopyProgress> copy(TwoAgents agents, String itemId, String diskId, long startChunk) {
    List<CopyProgress> progress = new ArrayList<>();
    Iterator<CopyProgress> stream =
        agents
            .agentA()
            .copyDisk(
                CopyDiskRequest.newBuilder()
                    .setItemId(itemId)
                    .setDiskId(diskId)
                    .setStartChunk(startChunk)
                    .build());
    stream.forEachRemaining(progress::add);
    assertThat(progress).isNotEmpty();
    assertThat(progress.get(progress.size() - 1).getDone()).isTrue();
    return progress;
  }

  static void copyAll(TwoAgents agents, String itemId, Vm vm) {
    vm.getDisksList().forEach(disk -> copy(agents, itemId, disk.getId(), 0));
  }

  /** Writes {@code count} random blocks of up to {@code maxBytes} at random 512-byte offsets. */
  static void writeRandom(BlockDevice device, Random random, int count, int maxBytes)
      throws IOException {
    for (int i = 0; i < count; i++) {
      int length = 512 * (1 + random.nextInt(maxBytes / 512));
      long offset = 512L * random.nextInt((int) ((device.size() - length) / 512));
      byte[] data = new byte[length];
      random.nextBytes(data);
      device.write(offset, ByteBuffer.wrap(data), false);
    }
  }

  static String hashA(TwoAgents agents, String vmId, String diskId) {
    return agents
        .agentA()
        .hashDisk(HashDiskRequest.newBuilder().setVmId(vmId).setDiskId(diskId).build())
        .getSha256();
  }

  static String hashB(TwoAgents agents, String vmId, String diskId) {
    return agents
        .agentB()
        .hashDisk(HashDiskRequest.newBuilder().setVmId(vmId).setDiskId(diskId).build())
        .getSha256();
  }

  /** Every source disk hashes the same as its replica disk. */
  static void assertIdentical(TwoAgents agents, Vm vm, ReplicationState target) {
    for (DiskMapping mapping : target.getDisksList()) {
      assertThat(hashB(agents, target.getVmId(), mapping.getReplicaDiskId()))
          .as("replica of %s", mapping.getSourceDiskId())
          .isEqualTo(hashA(agents, vm.getId(), mapping.getSourceDiskId()));
    }
  }

  static Vm vmOnB(TwoAgents agents, String vmId) {
    return agents.agentB().getVm(VmRef.newBuilder().setVmId(vmId).build());
  }
}
