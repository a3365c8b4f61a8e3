package dev.haven.activities.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.Disk;
import dev.haven.protocol.DiskCopyState;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.MaterializeMode;
import dev.haven.protocol.MaterializeRecoveryPointRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.ResyncDiskRequest;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.TlsFiles;
import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.AgentActivities.CopyDiskInput;
import dev.haven.workflows.activities.AgentActivities.DiskCopied;
import dev.haven.workflows.activities.AgentActivities.DiskPair;
import dev.haven.workflows.activities.AgentActivities.PrepareReplicaInput;
import io.grpc.Status;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The agent activities against fake agents on real mutual-TLS gRPC servers. */
class AgentActivitiesImplTest {
  private static final String ITEM = "item-1";

  @TempDir static Path certs;
  private static TlsFiles[] ids;

  @TempDir Path dir;
  private FakeAgent source;
  private FakeAgent target;
  private AgentChannels channels;
  private AgentActivitiesImpl activities;
  private TestActivityEnvironment activityEnv;

  @BeforeAll
  static void makeCertificates() throws Exception {
    ids = FakeAgent.identities(certs);
  }

  @BeforeEach
  void start() throws Exception {
    source = new FakeAgent(ids[0]);
    target = new FakeAgent(ids[0]);
    channels = new AgentChannels(ids[1].channelCredentials());
    activities = new AgentActivitiesImpl(channels);
    source.vm = vm("vm-1", "d1", "d2");
    activityEnv = TestActivityEnvironment.newInstance();
    activityEnv.registerActivitiesImplementations(activities);
  }

  @AfterEach
  void stop() throws Exception {
    activityEnv.close();
    channels.close();
    source.close();
    target.close();
  }

  @ParameterizedTest
  @CsvSource({
    "NOT_FOUND, VmNotFound, true",
    "PERMISSION_DENIED, AuthenticationFailed, true",
    "UNAUTHENTICATED, AuthenticationFailed, true",
    "FAILED_PRECONDITION, ReplicaInvalidState, true",
    "INVALID_ARGUMENT, InvalidRequest, true",
    "UNAVAILABLE, NetworkError, false",
    "DEADLINE_EXCEEDED, NetworkError, false",
    "RESOURCE_EXHAUSTED, LowDisk, false",
    "DATA_LOSS, DataLoss, false",
    "INTERNAL, AgentError, false"
  })
  void R16_grpcErrorsBecomeTypedFailuresThatKeepTheAgentsMessage(
      Status.Code code, String type, boolean nonRetryable) {
    source.failures.put("GetVm", Status.fromCode(code).withDescription("the agent says why"));

    assertThatThrownBy(() -> activities.prepareReplica(prepareInput()))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(type);
              assertThat(f.isNonRetryable()).isEqualTo(nonRetryable);
              assertThat(f.getOriginalMessage())
                  .startsWith(
                      "GetVm on agent "
                          + source.address()
                          + " failed ("
                          + code
                          + "): the agent says why");
            });
    assertThat(target.requests).isEmpty();
  }

  @Test
  void R16_anUntrustedAgentCertificateIsAnAuthenticationFailure() throws Exception {
    TlsFiles stranger = FakeAgent.identities(dir.resolve("other"))[0];
    try (FakeAgent impostor = new FakeAgent(stranger)) {
      PrepareReplicaInput in =
          new PrepareReplicaInput(ITEM, impostor.address(), "vm-1", target.address(), Map.of());
      assertThatThrownBy(() -> activities.prepareReplica(in))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType())
                    .as(f.getOriginalMessage())
                    .isEqualTo("AuthenticationFailed");
                assertThat(f.isNonRetryable()).isTrue();
                assertThat(f.getOriginalMessage()).contains("TLS handshake refused");
              });
    }
  }

  @Test
  void R10_prepareReplicaPairsDisksByTheTargetsMapping() {
    target.state =
        ReplicationState.newBuilder()
            .setVmId("replica-1")
            .addDisks(mapping("d2", "r2"))
            .addDisks(mapping("d1", "r1"))
            .build();

    AgentActivities.ReplicaPrepared prepared = activities.prepareReplica(prepareInput());

    assertThat(prepared.replicaVmId()).isEqualTo("replica-1");
    assertThat(prepared.disks())
        .containsExactly(new DiskPair("d1", "r1", 1L << 20), new DiskPair("d2", "r2", 2L << 20));
    assertThat(target.requestsOf(dev.haven.protocol.PrepareReplicaRequest.class))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getSourceVm().getId()).isEqualTo("vm-1");
              assertThat(r.getNetworkMappingMap()).containsEntry("lan", "dr-lan");
            });
  }

  @Test
  void R11_copyDiskResumesFromTheChunkTheTargetPersisted() {
    target.state = copyState(7, 10, false);
    source.copyProgress = List.of(progress(8, false), progress(9, false), progress(10, true));
    List<Long> heartbeats = new CopyOnWriteArrayList<>();
    activityEnv.setActivityHeartbeatListener(Long.class, heartbeats::add);
    // A previous attempt heartbeated chunk 9, but only chunk 7 reached the target's disk.
    activityEnv.setHeartbeatDetails(9L);

    DiskCopied copied =
        copyStub().copyDisk(new CopyDiskInput(ITEM, source.address(), target.address(), "d1"));

    assertThat(source.requestsOf(CopyDiskRequest.class))
        .singleElement()
        .satisfies(r -> assertThat(r.getStartChunk()).isEqualTo(7));
    assertThat(copied).isEqualTo(new DiskCopied("d1", 10, 3 * 4096, 0));
    // The SDK throttles heartbeats, so only the first one is certain to be seen at once.
    assertThat(heartbeats).startsWith(7L).allMatch(chunk -> chunk >= 7 && chunk <= 10);
  }

  @Test
  void R11_copyDiskOfAFinishedDiskCopiesNothing() {
    target.state = copyState(10, 10, true);

    DiskCopied copied =
        copyStub().copyDisk(new CopyDiskInput(ITEM, source.address(), target.address(), "d1"));

    assertThat(copied.totalChunks()).isEqualTo(10);
    assertThat(source.requestsOf(CopyDiskRequest.class)).isEmpty();
  }

  @Test
  void R11_aCopyStreamThatBreaksIsRetryable() {
    target.state = copyState(0, 10, false);
    source.copyProgress = List.of(progress(1, false));
    source.failures.put("CopyDisk", Status.UNAVAILABLE.withDescription("peer went away"));

    assertThatThrownBy(
            () ->
                copyStub()
                    .copyDisk(new CopyDiskInput(ITEM, source.address(), target.address(), "d1")))
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("NetworkError");
              assertThat(f.getOriginalMessage()).contains("peer went away");
            });
  }

  @Test
  void R15_resyncDiskPassesTheLastHeartbeatAndHeartbeatsEachBlock() {
    source.resyncProgress =
        List.of(
            ResyncProgress.newBuilder().setNextBlock(512).setTotalBlocks(1024).build(),
            ResyncProgress.newBuilder()
                .setNextBlock(1024)
                .setTotalBlocks(1024)
                .setDifferingBlocks(3)
                .setDifferingBytes(3 * 65536)
                .setBytesSent(3 * 65536 + 90)
                .setCoveredSeq(4)
                .setDone(true)
                .build());
    List<Long> heartbeats = new CopyOnWriteArrayList<>();
    activityEnv.setActivityHeartbeatListener(Long.class, heartbeats::add);
    // The source agent lowers this to the block the target confirmed.
    activityEnv.setHeartbeatDetails(300L);

    AgentActivities.DiskResynced resynced =
        copyStub()
            .resyncDisk(
                new AgentActivities.ResyncDiskInput(
                    ITEM, source.address(), target.address(), "d1", true));

    assertThat(source.requestsOf(ResyncDiskRequest.class))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getStartBlock()).isEqualTo(300);
              assertThat(r.getCompress()).isTrue();
            });
    assertThat(resynced)
        .isEqualTo(new AgentActivities.DiskResynced("d1", 1024, 3, 3 * 65536, 3 * 65536 + 90, 4));
    assertThat(heartbeats).startsWith(300L);
  }

  @Test
  void R17_hashDisksNamesEachDiskInOrder() {
    source.diskHashes.put("d1", "aa");
    source.diskHashes.put("d2", "bb");

    AgentActivities.DiskHashes hashes =
        copyStub().hashDisks(new AgentActivities.HashDisksInput(source.address(), "vm-1"));

    assertThat(hashes.sha256()).containsExactly("aa", "bb");
    assertThat(hashes.diskIds()).containsExactly("d1", "d2");
  }

  @Test
  void R17_materializeRecoveryPointAsksTheTargetForThatPoint() {
    target.materialized =
        MaterializeRecoveryPointResponse.newBuilder()
            .setPoint(
                RecoveryPoint.newBuilder()
                    .setId("rp-4")
                    .setSeq(4)
                    .setCreatedAtMillis(4000)
                    .setAppConsistent(true))
            .setVm(vm("vm-copy", "c1", "c2"))
            .addDiskSha256("aa")
            .addDiskSha256("bb")
            .setLogsUndone(2)
            .build();

    AgentActivities.MaterializedPoint point =
        copyStub()
            .materializeRecoveryPoint(
                new AgentActivities.MaterializeInput(ITEM, target.address(), "rp-4", false, "t"));

    assertThat(point)
        .isEqualTo(
            new AgentActivities.MaterializedPoint(
                "rp-4", 4, 4000, true, "vm-copy", List.of("c1", "c2"), List.of("aa", "bb"), 2));
    MaterializeRecoveryPointRequest asked =
        target.requestsOf(MaterializeRecoveryPointRequest.class).get(0);
    assertThat(asked.getMode()).isEqualTo(MaterializeMode.NEW_COPY);
    assertThat(asked.getPointId()).isEqualTo("rp-4");
    assertThat(asked.getCopyName()).isEqualTo("t");
  }

  @Test
  void R17_aPrunedPointIsNotFoundAndNotRetried() {
    target.failures.put(
        "MaterializeRecoveryPoint", Status.NOT_FOUND.withDescription("no recovery point 'rp-1'"));

    assertThatThrownBy(
            () ->
                activities.materializeRecoveryPoint(
                    new AgentActivities.MaterializeInput(ITEM, target.address(), "rp-1", true, "")))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains("no recovery point 'rp-1'");
            });
  }

  @Test
  void stopReplicationOfAnItemTheAgentNoLongerKnowsIsDone() {
    source.failures.put("StopReplication", Status.NOT_FOUND.withDescription("no item item-1"));

    assertThat(activities.stopReplication(new AgentActivities.StopInput(ITEM, source.address())))
        .isEqualTo(new AgentActivities.Stopped(ITEM));
  }

  private AgentActivities copyStub() {
    return activityEnv.newActivityStub(
        AgentActivities.class,
        io.temporal.activity.ActivityOptions.newBuilder()
            .setStartToCloseTimeout(java.time.Duration.ofMinutes(1))
            .setHeartbeatTimeout(java.time.Duration.ofSeconds(30))
            .setRetryOptions(
                io.temporal.common.RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  private PrepareReplicaInput prepareInput() {
    return new PrepareReplicaInput(
        ITEM, source.address(), "vm-1", target.address(), Map.of("lan", "dr-lan"));
  }

  private static Vm vm(String id, String... diskIds) {
    Vm.Builder vm = Vm.newBuilder().setId(id).setName(id).setPowerState("on");
    for (int i = 0; i < diskIds.length; i++) {
      vm.addDisks(Disk.newBuilder().setId(diskIds[i]).setSizeBytes((i + 1L) << 20));
    }
    return vm.build();
  }

  private static DiskMapping mapping(String source, String replica) {
    return DiskMapping.newBuilder().setSourceDiskId(source).setReplicaDiskId(replica).build();
  }

  private static ReplicationState copyState(long next, long total, boolean done) {
    return ReplicationState.newBuilder()
        .addDisks(mapping("d1", "r1"))
        .addCopies(
            DiskCopyState.newBuilder()
                .setDiskId("r1")
                .setNextChunk(next)
                .setTotalChunks(total)
                .setDone(done))
        .build();
  }

  private static CopyProgress progress(long next, boolean done) {
    return CopyProgress.newBuilder()
        .setDiskId("d1")
        .setNextChunk(next)
        .setTotalChunks(10)
        .setBytesSent((next - 7) * 4096)
        .setDone(done)
        .build();
  }
}
