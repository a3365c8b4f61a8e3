package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import dev.haven.protocol.CloudItemRef;
import dev.haven.protocol.CloudServiceGrpc;
import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.MaterializeCloudPointRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.Vm;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cloud site between two real agents over mutual TLS: agent a (primary) writes its VM's disks
 * into a folder object store as encrypted objects itself; agent b is the cloud site's host, which
 * only at failover builds a VM from the objects. Every disk is compared by SHA-256 with the source
 * as it was at the point.
 */
class CloudSiteTest {
  @TempDir static Path root;
  static TwoAgents agents;
  static String storage;

  @BeforeAll
  static void start() throws Exception {
    // The agents' shared keyring (TwoAgents), made before either starts.
    VaultKeyring.loadOrCreate(root.resolve("vault.keyring"));
    storage = root.resolve("cloud-storage").toUri().toString();
    agents = TwoAgents.start(root);
  }

  @AfterAll
  static void stop() {
    agents.close();
  }

  private static CloudServiceGrpc.CloudServiceBlockingStub cloudHost() {
    return CloudServiceGrpc.newBlockingStub(agents.client().channel(agents.b.grpcAddress()))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static StartReplicationRequest toCloud(String itemId, Vm vm) {
    StartReplicationRequest.Builder start =
        StartReplicationRequest.newBuilder()
            .setItemId(itemId)
            .setVmId(vm.getId())
            .setTargetAddress(agents.b.grpcAddress())
            .setCloudStorage(storage);
    vm.getDisksList()
        .forEach(
            d ->
                start.addDisks(
                    DiskMapping.newBuilder()
                        .setSourceDiskId(d.getId())
                        .setReplicaDiskId(d.getId())));
    return start.build();
  }

  private static CopyProgress copy(String itemId, String diskId) {
    List<CopyProgress> progress = new ArrayList<>();
    agents
        .agentA()
        .copyDisk(CopyDiskRequest.newBuilder().setItemId(itemId).setDiskId(diskId).build())
        .forEachRemaining(progress::add);
    CopyProgress last = progress.get(progress.size() - 1);
    assertThat(last.getDone()).isTrue();
    return last;
  }

  private static ReplicateCycleResponse cycle(String itemId) {
    return agents
        .agentA()
        .replicateCycle(ReplicateCycleRequest.newBuilder().setItemId(itemId).build());
  }

  private static MaterializeRecoveryPointResponse failover(String itemId, String pointId) {
    return cloudHost().materializeCloudPoint(failoverRequest(itemId, pointId).build());
  }

  /** A failover to the cloud at {@code pointId} ("" for the newest), with no request id. */
  private static MaterializeCloudPointRequest.Builder failoverRequest(
      String itemId, String pointId) {
    return MaterializeCloudPointRequest.newBuilder()
        .setItemId(itemId)
        .setCloudStorage(storage)
        .setPointId(pointId)
        .setVmName("web-cloud")
        .setCpus(2)
        .setMemoryMib(512)
        .addNetworks("cloud-vnet")
        .setPublicIp("203.0.113.7");
  }

  @Test
  void R6_sourceWritesEncryptedObjectsAndEveryPointFailsOverToTheCloud() throws Exception {
    Vm vm = Replicas.createVm(agents, "web", 20 * MIB);
    String diskId = vm.getDisks(0).getId();
    BlockDevice disk = agents.driverA().device(vm.getId(), diskId);
    Random random = new Random(6);
    Replicas.writeRandom(disk, random, 40, 256 * 1024);

    agents.agentA().startReplication(toCloud("item-c1", vm));
    Replicas.writeRandom(disk, random, 10, 64 * 1024); // after tracking began: in log 1
    CopyProgress copied = copy("item-c1", diskId);
    assertThat(copied.getBytesSent()).isPositive();
    Replicas.writeRandom(disk, random, 10, 64 * 1024);
    ReplicateCycleResponse first = cycle("item-c1");
    String atFirst = Replicas.hashA(agents, vm.getId(), diskId);
    Replicas.writeRandom(disk, random, 20, 128 * 1024);
    disk.trim(0, 1 << 20);
    ReplicateCycleResponse second = cycle("item-c1");
    String atSecond = Replicas.hashA(agents, vm.getId(), diskId);
    assertThat(second.getAckedSeq()).isEqualTo(second.getSealedSeq());

    List<RecoveryPoint> points =
        cloudHost()
            .listCloudPoints(
                CloudItemRef.newBuilder().setItemId("item-c1").setCloudStorage(storage).build())
            .getPointsList();
    assertThat(points)
        .extracting(RecoveryPoint::getId)
        .containsExactly("rp-" + first.getSealedSeq(), "rp-" + second.getSealedSeq());

    MaterializeRecoveryPointResponse older = failover("item-c1", "rp-" + first.getSealedSeq());
    assertThat(older.getDiskSha256List()).containsExactly(atFirst);
    MaterializeRecoveryPointResponse latest = failover("item-c1", "");
    assertThat(latest.getDiskSha256List()).containsExactly(atSecond);
    assertThat(Replicas.hashB(agents, latest.getVm().getId(), latest.getVm().getDisks(0).getId()))
        .isEqualTo(atSecond);
    assertThat(latest.getVm().getNetworksList()).containsExactly("cloud-vnet");
    assertThat(latest.getVm().getPowerState()).isEqualTo("off");

    // Nothing the guest wrote is readable in the store: every object is sealed.
    try (ObjectStore store = ObjectStores.open(storage)) {
      byte[] plain = new byte[64];
      disk.read(2 * MIB, ByteBuffer.wrap(plain));
      for (String key : store.list("items/item-c1/")) {
        assertThat(indexOf(store.get(key), plain)).as(key).isNegative();
      }
    }
  }

  @Test
  void R6_aTamperedObjectFailsTheFailoverNamingItAndLeavesNoVm() throws Exception {
    Vm vm = Replicas.createVm(agents, "db", 8 * MIB);
    String diskId = vm.getDisks(0).getId();
    Replicas.writeRandom(agents.driverA().device(vm.getId(), diskId), new Random(8), 30, 64 * 1024);
    agents.agentA().startReplication(toCloud("item-c2", vm));
    copy("item-c2", diskId);
    cycle("item-c2");
    String victim;
    try (ObjectStore store = ObjectStores.open(storage)) {
      victim = store.list("items/item-c2/disks/" + diskId + "/chunks/").get(0);
      byte[] bytes = store.get(victim);
      bytes[40] ^= 1;
      store.put(victim, bytes);
    }
    int vmsBefore = agents.driverB().list().size();
    assertThatThrownBy(() -> failover("item-c2", ""))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining(victim)
        .hasMessageContaining("authentication failed");
    assertThat(agents.driverB().list()).hasSize(vmsBefore);
  }

  /** The newest point built for request {@code requestId}, as each retry of one activity asks. */
  private static MaterializeRecoveryPointResponse build(String itemId, String requestId) {
    return cloudHost()
        .materializeCloudPoint(failoverRequest(itemId, "").setRequestId(requestId).build());
  }

  @Test
  void R19_aRetriedBuildAnswersTheSameVmAndOneCutShortIsBuiltAgainWithoutAnOrphan()
      throws Exception {
    Vm vm = Replicas.createVm(agents, "once", 8 * MIB);
    String diskId = vm.getDisks(0).getId();
    Resyncs.fillRandom(agents.driverA().device(vm.getId(), diskId), 19);
    agents.agentA().startReplication(toCloud("item-c7", vm));
    copy("item-c7", diskId);
    cycle("item-c7");
    String atPoint = Replicas.hashA(agents, vm.getId(), diskId);
    int vmsBefore = agents.driverB().list().size();

    // The answer was lost and the activity tries again: the same VM, no second one.
    MaterializeRecoveryPointResponse first = build("item-c7", "run-1/7");
    MaterializeRecoveryPointResponse again = build("item-c7", "run-1/7");
    assertThat(again.getVm().getId()).isEqualTo(first.getVm().getId());
    assertThat(again.getDiskSha256List()).containsExactly(atPoint);
    assertThat(again.getPoint().getSeq()).isEqualTo(first.getPoint().getSeq());
    assertThat(agents.driverB().list()).hasSize(vmsBefore + 1);

    // The agent died mid-build (the ledger says building): the half-made VM goes, a new one comes.
    Path ledger = null;
    try (var files = Files.list(agents.dataB().resolve("cloud-requests"))) {
      for (Path f : files.toList()) {
        if (Files.readString(f).contains(first.getVm().getId())) {
          ledger = f;
        }
      }
    }
    assertThat(ledger).isNotNull();
    String building =
        Files.readString(ledger).replaceAll("\"built\"\\s*:\\s*true", "\"built\":false");
    assertThat(building).contains("\"built\":false");
    Files.writeString(ledger, building);
    MaterializeRecoveryPointResponse rebuilt = build("item-c7", "run-1/7");
    assertThat(rebuilt.getVm().getId()).isNotEqualTo(first.getVm().getId());
    assertThat(rebuilt.getDiskSha256List()).containsExactly(atPoint);
    assertThat(agents.driverB().find(first.getVm().getId())).isEmpty();
    assertThat(agents.driverB().list()).hasSize(vmsBefore + 1);
    agents.driverB().delete(rebuilt.getVm().getId());
  }

  @Test
  void R21_failbackToTheOriginalSendsOnlyDifferingBlocksThenReprotectUploadsOnlyChangedChunks()
      throws Exception {
    Vm vm = Replicas.createVm(agents, "app", 16 * MIB);
    String diskId = vm.getDisks(0).getId();
    BlockDevice disk = agents.driverA().device(vm.getId(), diskId);
    Resyncs.fillRandom(disk, 21);
    agents.agentA().startReplication(toCloud("item-c3", vm));
    copy("item-c3", diskId);
    cycle("item-c3");
    String protectedHash = Replicas.hashA(agents, vm.getId(), diskId);

    // Planned failover to the cloud: the source stops, the cloud VM is built at the latest point.
    agents.agentA().stopReplication(ItemRef.newBuilder().setItemId("item-c3").build());
    MaterializeRecoveryPointResponse cloud = failover("item-c3", "");
    assertThat(cloud.getDiskSha256List()).containsExactly(protectedHash);
    Vm cloudVm = cloud.getVm();
    String cloudDisk = cloudVm.getDisks(0).getId();

    // The guest in the cloud writes 3 blocks of 64 KiB.
    BlockDevice inCloud = agents.driverB().device(cloudVm.getId(), cloudDisk);
    Resyncs.touchBlocks(inCloud, 3, 100, 200);
    String cloudHash = Replicas.hashB(agents, cloudVm.getId(), cloudDisk);
    assertThat(cloudHash).isNotEqualTo(protectedHash);

    // Failback to the original VM (shut down, as is the cloud VM now): only differing blocks.
    ReplicationState back =
        agents
            .agentA()
            .prepareReplica(
                PrepareReplicaRequest.newBuilder()
                    .setItemId("item-c3-back")
                    .setSourceVm(cloudVm)
                    .setSeedVmId(vm.getId())
                    .build());
    StartReplicationRequest.Builder start =
        StartReplicationRequest.newBuilder()
            .setItemId("item-c3-back")
            .setVmId(cloudVm.getId())
            .setTargetAddress(agents.a.grpcAddress())
            .setReplicaVmId(back.getVmId())
            .addAllDisks(back.getDisksList());
    agents.agentB().startReplication(start.build());
    List<ResyncProgress> progress = new ArrayList<>();
    agents
        .agentB()
        .resyncDisk(Resyncs.request("item-c3-back", cloudDisk, 0, false))
        .forEachRemaining(progress::add);
    ResyncProgress done = Resyncs.last(progress);
    assertThat(done.getDone()).isTrue();
    assertThat(done.getDifferingBlocks()).isEqualTo(3);
    assertThat(done.getBytesSent()).isLessThan(4 * Resyncs.BLOCK + 8192);
    assertThat(Replicas.hashA(agents, vm.getId(), diskId)).isEqualTo(cloudHash);

    // Commit, then reprotect primary -> cloud: only the 4 MiB chunks holding those 3 blocks go.
    agents.agentB().stopReplication(ItemRef.newBuilder().setItemId("item-c3-back").build());
    agents.agentA().stopReplication(ItemRef.newBuilder().setItemId("item-c3-back").build());
    agents.agentA().startReplication(toCloud("item-c3", vm));
    CopyProgress again = copy("item-c3", diskId);
    assertThat(again.getBytesSent()).isLessThanOrEqualTo(3L * (4 << 20) + 3 * 64);
    assertThat(again.getBytesSent()).isGreaterThan(2L * (4 << 20));
    cycle("item-c3");
    System.out.printf(
        "R21 figures: failback resync sent %d B for 3 differing 64 KiB blocks;"
            + " reprotect uploaded %d B for 3 changed 4 MiB chunks%n",
        done.getBytesSent(), again.getBytesSent());
    MaterializeRecoveryPointResponse check = failover("item-c3", "");
    assertThat(check.getDiskSha256List()).containsExactly(cloudHash);
  }

  @Test
  void R21_failbackToAnAlternateLocationIsAFullCopyIntoANewVm() throws Exception {
    Vm vm = Replicas.createVm(agents, "alt", 12 * MIB);
    String diskId = vm.getDisks(0).getId();
    Resyncs.fillRandom(agents.driverA().device(vm.getId(), diskId), 31);
    agents.agentA().startReplication(toCloud("item-c5", vm));
    copy("item-c5", diskId);
    cycle("item-c5");
    agents.agentA().stopReplication(ItemRef.newBuilder().setItemId("item-c5").build());
    MaterializeRecoveryPointResponse cloud = failover("item-c5", "");
    Vm cloudVm = cloud.getVm();
    String cloudDisk = cloudVm.getDisks(0).getId();
    Resyncs.touchBlocks(agents.driverB().device(cloudVm.getId(), cloudDisk), 7, 150);
    String cloudHash = Replicas.hashB(agents, cloudVm.getId(), cloudDisk);

    // The alternate host makes a new VM of the cloud VM's shape; the copy sends the whole disk.
    ReplicationState alternate =
        agents
            .agentA()
            .prepareReplica(
                PrepareReplicaRequest.newBuilder()
                    .setItemId("item-c5-back")
                    .setSourceVm(cloudVm)
                    .putNetworkMapping("cloud-vnet", "lan")
                    .build());
    assertThat(alternate.getVmId()).isNotEqualTo(vm.getId());
    agents
        .agentB()
        .startReplication(
            StartReplicationRequest.newBuilder()
                .setItemId("item-c5-back")
                .setVmId(cloudVm.getId())
                .setTargetAddress(agents.a.grpcAddress())
                .setReplicaVmId(alternate.getVmId())
                .addAllDisks(alternate.getDisksList())
                .build());
    List<CopyProgress> progress = new ArrayList<>();
    agents
        .agentB()
        .copyDisk(
            CopyDiskRequest.newBuilder().setItemId("item-c5-back").setDiskId(cloudDisk).build())
        .forEachRemaining(progress::add);
    assertThat(progress.get(progress.size() - 1).getDone()).isTrue();
    agents
        .agentB()
        .replicateCycle(ReplicateCycleRequest.newBuilder().setItemId("item-c5-back").build());
    String newDisk = alternate.getDisks(0).getReplicaDiskId();
    assertThat(Replicas.hashA(agents, alternate.getVmId(), newDisk)).isEqualTo(cloudHash);
  }

  @Test
  void R13_pointsPastRetentionAreFoldedAwayInTheCloudAndTheLatestStillFailsOver() throws Exception {
    Vm vm = Replicas.createVm(agents, "ret", 8 * MIB);
    String diskId = vm.getDisks(0).getId();
    BlockDevice disk = agents.driverA().device(vm.getId(), diskId);
    Random random = new Random(13);
    Replicas.writeRandom(disk, random, 20, 64 * 1024);
    agents.agentA().startReplication(toCloud("item-c4", vm));
    copy("item-c4", diskId);
    // A retention of 1 ms: every point but the newest is past it by the next cycle.
    agents
        .agentA()
        .setRecoveryPolicy(
            dev.haven.protocol.SetRecoveryPolicyRequest.newBuilder()
                .setItemId("item-c4")
                .setRetentionMillis(1)
                .build());
    for (int i = 0; i < 3; i++) {
      Replicas.writeRandom(disk, random, 10, 64 * 1024);
      cycle("item-c4");
    }
    String now = Replicas.hashA(agents, vm.getId(), diskId);
    List<RecoveryPoint> points =
        cloudHost()
            .listCloudPoints(
                CloudItemRef.newBuilder().setItemId("item-c4").setCloudStorage(storage).build())
            .getPointsList();
    assertThat(points).hasSize(1);
    try (ObjectStore store = ObjectStores.open(storage)) {
      assertThat(store.list("items/item-c4/disks/" + diskId + "/logs/"))
          .allMatch(k -> k.contains(String.format("%020d.", points.get(0).getSeq())));
    }
    assertThat(failover("item-c4", "").getDiskSha256List()).containsExactly(now);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
