package dev.haven.agent;

import static dev.haven.agent.Replicas.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.haven.agent.PeerCalls.Rec;
import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ApplyOutcome;
import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.LogFrame;
import dev.haven.protocol.MaterializeMode;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.PeerServiceGrpc.PeerServiceStub;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.RecoveryPolicy;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.SetRecoveryPolicyRequest;
import dev.haven.protocol.Vm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R13/R20: every recovery point in retention can be rebuilt byte-exactly; older ones are pruned.
 */
class RecoveryPointsTest {
  @TempDir static Path root;
  static TwoAgents agents;

  @BeforeAll
  static void start() throws Exception {
    agents = TwoAgents.start(root);
  }

  @AfterAll
  static void stop() {
    agents.close();
  }

  @Test
  void R13_anyPointInRetentionMaterializesByteExactly() throws Exception {
    Vm vm = Replicas.createVm(agents, "rebuild", 2 * MIB, 3 * MIB);
    ReplicationState target = Replicas.protect(agents, "item-rebuild", vm);
    Replicas.copyAll(agents, "item-rebuild", vm);
    Random random = new Random(21);
    // The model: each source disk's SHA-256 right after the seal of each sequence.
    List<List<String>> model = new ArrayList<>();
    model.add(List.of());
    for (int seq = 1; seq <= 6; seq++) {
      for (int d = 0; d < 2; d++) {
        BlockDevice disk = agents.driverA().device(vm.getId(), vm.getDisks(d).getId());
        Replicas.writeRandom(disk, random, 8, 64 * 1024);
        disk.writeZeroes(4096L * random.nextInt(400), 16384, false);
      }
      assertThat(PointCalls.cycle(agents, "item-rebuild").getSealedSeq()).isEqualTo(seq);
      model.add(
          List.of(
              Replicas.hashA(agents, vm.getId(), vm.getDisks(0).getId()),
              Replicas.hashA(agents, vm.getId(), vm.getDisks(1).getId())));
    }
    List<String> replicaNow = replicaHashes(target);
    assertThat(replicaNow).isEqualTo(model.get(6));

    // Every point as a new VM: its disks are the source's disks at that point, byte for byte.
    for (int seq = 1; seq <= 6; seq++) {
      MaterializeRecoveryPointResponse copy =
          PointCalls.materialize(agents, "item-rebuild", "rp-" + seq, MaterializeMode.NEW_COPY);
      assertThat(copy.getDiskSha256List()).as("rp-%d", seq).isEqualTo(model.get(seq));
      assertThat(copy.getLogsUndone()).isEqualTo(6 - seq);
      assertThat(copy.getVm().getId()).isNotEqualTo(target.getVmId());
      assertThat(copy.getVm().getReplicaOfItem()).isEmpty();
      if (seq == 1) {
        // The agent's own hash of the copy's disks agrees with what materializing answered.
        for (int d = 0; d < 2; d++) {
          String diskId = copy.getVm().getDisks(d).getId();
          assertThat(hashB(copy.getVm().getId(), diskId)).isEqualTo(model.get(seq).get(d));
        }
      }
    }
    assertThat(replicaHashes(target)).as("the replica is untouched").isEqualTo(model.get(6));

    // In place: the replica rolls back to rp-3; newer points are gone, older ones still rebuild.
    MaterializeRecoveryPointResponse rolled =
        PointCalls.materialize(agents, "item-rebuild", "rp-3", MaterializeMode.IN_PLACE);
    assertThat(rolled.getVm().getId()).isEqualTo(target.getVmId());
    assertThat(rolled.getDiskSha256List()).isEqualTo(model.get(3));
    assertThat(replicaHashes(target)).isEqualTo(model.get(3));
    assertThat(PointCalls.points(agents, "item-rebuild"))
        .extracting(RecoveryPoint::getId)
        .containsExactly("rp-3", "rp-2", "rp-1");
    assertThat(
            PointCalls.materialize(agents, "item-rebuild", "rp-1", MaterializeMode.NEW_COPY)
                .getDiskSha256List())
        .isEqualTo(model.get(1));
    assertThat(
            agents
                .agentB()
                .getReplicationState(PointCalls.item("item-rebuild"))
                .getLastAppliedSeq())
        .isEqualTo(3);

    // Replication past the rolled-back point is void: the next log no longer fits.
    Replicas.writeRandom(
        agents.driverA().device(vm.getId(), vm.getDisks(0).getId()), random, 2, 4096);
    assertThatThrownBy(() -> PointCalls.cycle(agents, "item-rebuild"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThat(replicaHashes(target)).isEqualTo(model.get(3));
  }

  @Test
  void R13_pointsOlderThanRetentionArePrunedWithTheirJournal() throws Exception {
    Vm vm = Replicas.createVm(agents, "prune", 4 * MIB);
    ReplicationState target = Replicas.protect(agents, "item-prune", vm);
    Replicas.copyAll(agents, "item-prune", vm);
    String replicaDisk = target.getDisks(0).getReplicaDiskId();
    PeerServiceStub peer = agents.client().peer(agents.b.grpcAddress());
    long now = System.currentTimeMillis();
    long hour = 3_600_000;
    long[] ages = {5 * hour, 4 * hour, 3 * hour, 2 * hour, hour / 2, hour / 6};
    byte[] disk = new byte[(int) (4 * MIB)];
    List<String> model = new ArrayList<>();
    model.add(sha(disk));
    Random random = new Random(22);
    for (int seq = 1; seq <= ages.length; seq++) {
      List<Rec> recs = records(random, 16);
      for (Rec rec : recs) {
        if (rec.data() == null) {
          Arrays.fill(disk, (int) rec.offset(), (int) rec.offset() + rec.length(), (byte) 0);
        } else {
          System.arraycopy(rec.data(), 0, disk, (int) rec.offset(), rec.length());
        }
      }
      model.add(sha(disk));
      List<LogFrame> frames = PeerCalls.log("item-prune", replicaDisk, seq, 1, recs);
      long sealedAt = now - ages[seq - 1];
      frames.set(
          0,
          LogFrame.newBuilder()
              .setHeader(frames.get(0).getHeader().toBuilder().setSealedAtMillis(sealedAt))
              .build());
      assertThat(PeerCalls.ship(peer, frames).getOutcome()).isEqualTo(ApplyOutcome.APPLIED);
    }
    // Without a retention every point stays; journal 1 only rebuilds the copy, not a point.
    assertThat(PointCalls.points(agents, "item-prune")).hasSize(6);
    assertThat(PointCalls.journals(agents.dataB(), target.getVmId())).hasSize(5);

    assertThat(PointCalls.retention(agents, "item-prune", hour).getRetentionMillis())
        .isEqualTo(hour);
    List<RecoveryPoint> kept = PointCalls.points(agents, "item-prune");
    assertThat(kept).extracting(RecoveryPoint::getId).containsExactly("rp-6", "rp-5");
    assertThat(PointCalls.journals(agents.dataB(), target.getVmId()))
        .as("only the journal that rebuilds rp-5 is left")
        .containsExactly(replicaDisk + "-000000000006.undo");
    assertThat(kept.get(1).getJournalBytes()).isPositive();
    assertThat(kept.get(0).getJournalBytes()).isZero();

    assertThat(
            PointCalls.materialize(agents, "item-prune", "rp-5", MaterializeMode.NEW_COPY)
                .getDiskSha256List())
        .containsExactly(model.get(5));
    assertThat(
            PointCalls.materialize(agents, "item-prune", "", MaterializeMode.NEW_COPY)
                .getDiskSha256List())
        .containsExactly(model.get(6));
    assertThatThrownBy(
            () -> PointCalls.materialize(agents, "item-prune", "rp-3", MaterializeMode.NEW_COPY))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).contains("pruned by retention");
            });
  }

  @Test
  void R13_appConsistentPointRunsTheQuiesceHook() throws Exception {
    Vm vm = Replicas.createVm(agents, "quiet", 2 * MIB);
    Replicas.protect(agents, "item-quiet", vm);
    Replicas.copyAll(agents, "item-quiet", vm);
    agents
        .agentA()
        .setRecoveryPolicy(
            SetRecoveryPolicyRequest.newBuilder()
                .setItemId("item-quiet")
                .setAppConsistentEveryMillis(1)
                .build());
    Path hook = agents.dataA().resolve("scripts").resolve(vm.getId()).resolve("quiesce");
    Path calls = root.resolve("quiesce-calls.txt");
    Files.createDirectories(hook.getParent());
    script(hook, "echo \"$1 $2\" >> " + calls + "\necho flushed the database\nexit 0\n");
    BlockDevice disk = agents.driverA().device(vm.getId(), vm.getDisks(0).getId());
    Random random = new Random(23);

    Replicas.writeRandom(disk, random, 4, 8192);
    ReplicateCycleResponse good = PointCalls.cycle(agents, "item-quiet");
    assertThat(good.getAppConsistent()).isTrue();
    assertThat(good.getQuiesce().getRan()).isTrue();
    assertThat(good.getQuiesce().getExitCode()).isZero();
    assertThat(good.getQuiesce().getOutput()).contains("flushed the database");
    assertThat(Files.readAllLines(calls))
        .as("frozen before the seal, thawed after it")
        .containsExactly("freeze " + vm.getId(), "thaw " + vm.getId());

    // A hook that fails leaves a crash-consistent point and says why.
    script(hook, "echo database busy\nexit 3\n");
    Replicas.writeRandom(disk, random, 4, 8192);
    ReplicateCycleResponse bad = PointCalls.cycle(agents, "item-quiet");
    assertThat(bad.getAppConsistent()).isFalse();
    assertThat(bad.getQuiesce().getExitCode()).isEqualTo(3);
    assertThat(bad.getQuiesce().getOutput()).contains("database busy");
    assertThat(bad.getQuiesce().getReason()).contains("exited with 3");

    Files.delete(hook);
    ReplicateCycleResponse none = PointCalls.cycle(agents, "item-quiet");
    assertThat(none.getAppConsistent()).isFalse();
    assertThat(none.getQuiesce().getReason()).contains("no quiesce hook");

    assertThat(PointCalls.points(agents, "item-quiet"))
        .extracting(RecoveryPoint::getId, RecoveryPoint::getAppConsistent)
        .containsExactly(tuple("rp-3", false), tuple("rp-2", false), tuple("rp-1", true));
    assertThat(
            PointCalls.materialize(
                    agents, "item-quiet", "latest-app-consistent", MaterializeMode.NEW_COPY)
                .getPoint()
                .getId())
        .isEqualTo("rp-1");
    RecoveryPolicy policy =
        agents
            .agentA()
            .setRecoveryPolicy(
                SetRecoveryPolicyRequest.newBuilder()
                    .setItemId("item-quiet")
                    .setAppConsistentEveryMillis(1)
                    .build());
    assertThat(policy.getLastQuiesce().getReason()).contains("no quiesce hook");
    assertThat(policy.getLastAppConsistentAtMillis()).isEqualTo(good.getSealedAtMillis());
  }

  private static void script(Path file, String body) throws Exception {
    Files.writeString(file, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static List<Rec> records(Random random, int count) {
    List<Rec> recs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (i % 5 == 4) {
        recs.add(Rec.zero(4096L * random.nextInt(1000), 8192));
      } else {
        byte[] data = new byte[512 * (1 + random.nextInt(64))];
        random.nextBytes(data);
        recs.add(Rec.data(512L * random.nextInt(7000), data));
      }
    }
    return recs;
  }

  private static String sha(byte[] bytes) {
    return Checksums.hex(Checksums.sha256().digest(bytes));
  }

  private static List<String> replicaHashes(ReplicationState target) {
    return target.getDisksList().stream()
        .map(d -> Replicas.hashB(agents, target.getVmId(), d.getReplicaDiskId()))
        .toList();
  }

  private static String hashB(String vmId, String diskId) {
    return agents
        .agentB()
        .hashDisk(HashDiskRequest.newBuilder().setVmId(vmId).setDiskId(diskId).build())
        .getSha256();
  }
}
