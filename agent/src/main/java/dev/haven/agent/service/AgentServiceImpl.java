package dev.haven.agent.service;

import dev.haven.agent.replication.RecoveryPoints;
import dev.haven.agent.replication.ReplicationCycle;
import dev.haven.agent.replication.ReplicationRecord;
import dev.haven.agent.replication.ReplicationStateStore;
import dev.haven.agent.replication.SourceReplication;
import dev.haven.agent.replication.TargetReplication;
import dev.haven.agent.replication.TestVms;
import dev.haven.agent.scripts.ScriptRunner;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.Hypervisor;
import dev.haven.agent.vm.ImageImporter;
import dev.haven.agent.vm.VmSpec;
import dev.haven.protocol.AgentInfo;
import dev.haven.protocol.AgentServiceGrpc;
import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.CreateTestVmRequest;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.DeleteVmResponse;
import dev.haven.protocol.GetInfoRequest;
import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.HashDiskResponse;
import dev.haven.protocol.ImageChunk;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.ListRecoveryPointsResponse;
import dev.haven.protocol.ListVmsRequest;
import dev.haven.protocol.ListVmsResponse;
import dev.haven.protocol.MaterializeMode;
import dev.haven.protocol.MaterializeRecoveryPointRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.RecoveryPolicy;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.ResyncDiskRequest;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.RunScriptRequest;
import dev.haven.protocol.RunScriptResponse;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.SetRecoveryPolicyRequest;
import dev.haven.protocol.SetVmAddressesRequest;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The control plane's commands to one agent (agent.proto's {@code AgentService}). */
public final class AgentServiceImpl extends AgentServiceGrpc.AgentServiceImplBase {
  /** Who this agent is, for GetInfo. */
  public record Identity(String hostName, String site, Path dataDir, String version) {}

  private final Identity identity;
  private final Supplier<String> nbdAddress;
  private final FileVmDriver driver;
  private final ReplicationStateStore store;
  private final SourceReplication source;
  private final ReplicationCycle cycle;
  private final TargetReplication target;
  private final VmOperations vms;
  private final RecoveryPoints points;
  private final TestVms tests;
  private final ReplicationStates states;
  private final ScriptRunner scripts;
  private final Hypervisor hypervisor;

  public AgentServiceImpl(
      Identity identity,
      Supplier<String> nbdAddress,
      FileVmDriver driver,
      ReplicationStateStore store,
      SourceReplication source,
      ReplicationCycle cycle,
      TargetReplication target,
      Consumer<String> closeExport) {
    this(identity, nbdAddress, driver, store, source, cycle, target, closeExport, Hypervisor.NONE);
  }

  /** As above, with the hypervisor that runs the guests of powered-on VMs. */
  public AgentServiceImpl(
      Identity identity,
      Supplier<String> nbdAddress,
      FileVmDriver driver,
      ReplicationStateStore store,
      SourceReplication source,
      ReplicationCycle cycle,
      TargetReplication target,
      Consumer<String> closeExport,
      Hypervisor hypervisor) {
    this.identity = identity;
    this.nbdAddress = nbdAddress;
    this.driver = driver;
    this.store = store;
    this.source = source;
    this.cycle = cycle;
    this.target = target;
    this.vms = new VmOperations(driver, store, closeExport, hypervisor);
    this.hypervisor = hypervisor;
    this.points = new RecoveryPoints(target);
    this.tests = new TestVms(driver, store);
    this.states = new ReplicationStates(driver, store);
    this.scripts = new ScriptRunner(ScriptRunner.folderOf(identity.dataDir()));
  }

  /** An off VM carries why its guest stopped on its own, when it did. */
  private Vm withReason(Vm vm) {
    if (vm.getPowerState().equals("on")) {
      return vm;
    }
    return hypervisor
        .powerReason(vm.getId())
        .map(reason -> vm.toBuilder().setPowerReason(reason).build())
        .orElse(vm);
  }

  @Override
  public void getInfo(GetInfoRequest request, StreamObserver<AgentInfo> responses) {
    Calls.unary(
        responses,
        () ->
            AgentInfo.newBuilder()
                .setHostName(identity.hostName())
                .setSite(identity.site())
                .setVersion(identity.version())
                .setFreeBytes(Files.getFileStore(identity.dataDir()).getUsableSpace())
                .setDataDir(identity.dataDir().toAbsolutePath().toString())
                .setNbdAddress(nbdAddress.get())
                .build());
  }

  @Override
  public void listVms(ListVmsRequest request, StreamObserver<ListVmsResponse> responses) {
    Calls.unary(
        responses,
        () -> {
          ListVmsResponse.Builder out = ListVmsResponse.newBuilder();
          driver.list().forEach(vm -> out.addVms(withReason(Messages.vm(vm, nbdAddress.get()))));
          return out.build();
        });
  }

  @Override
  public void getVm(VmRef request, StreamObserver<Vm> responses) {
    Calls.unary(
        responses,
        () -> withReason(Messages.vm(driver.require(request.getVmId()), nbdAddress.get())));
  }

  @Override
  public void createVm(CreateVmRequest request, StreamObserver<Vm> responses) {
    Calls.unary(
        responses,
        () -> {
          VmSpec spec =
              new VmSpec(
                  request.getName(),
                  request.getCpus(),
                  request.getMemoryMib(),
                  request.getDiskSizeBytesList(),
                  request.getNetworksList(),
                  "");
          // Import: a VM made from an image on this host (raw or qcow2).
          return Messages.vm(
              request.getImagePath().isEmpty()
                  ? driver.create(spec)
                  : new ImageImporter(driver, identity.dataDir())
                      .importVm(spec, Path.of(request.getImagePath())),
              nbdAddress.get());
        });
  }

  /** Import by upload (R5): a VM from the raw or qcow2 image the caller streams. */
  @Override
  public StreamObserver<ImageChunk> importImage(StreamObserver<Vm> responses) {
    return new ImageUpload(
        driver, identity.dataDir(), vm -> Messages.vm(vm, nbdAddress.get()), responses);
  }

  @Override
  public void setPower(SetPowerRequest request, StreamObserver<Vm> responses) {
    Calls.unary(
        responses,
        () -> Messages.vm(vms.setPower(request.getVmId(), request.getOn()), nbdAddress.get()));
  }

  @Override
  public void hashDisk(HashDiskRequest request, StreamObserver<HashDiskResponse> responses) {
    Calls.unary(responses, () -> vms.hash(request.getVmId(), request.getDiskId()));
  }

  @Override
  public void prepareReplica(
      PrepareReplicaRequest request, StreamObserver<ReplicationState> responses) {
    Calls.unary(
        responses,
        () ->
            state(
                target.prepare(
                    request.getItemId(),
                    request.getSourceVm(),
                    request.getNetworkMappingMap(),
                    request.getSeedVmId())));
  }

  @Override
  public void startReplication(
      StartReplicationRequest request, StreamObserver<ReplicationState> responses) {
    Calls.unary(responses, () -> state(source.start(request)));
  }

  @Override
  public void copyDisk(CopyDiskRequest request, StreamObserver<CopyProgress> responses) {
    Calls.streaming(
        responses,
        (progress, cancelled) ->
            source.copyDisk(
                request.getItemId(),
                request.getDiskId(),
                request.getStartChunk(),
                request.getCompress(),
                progress,
                cancelled));
  }

  // --- resync (R15) ---
  @Override
  public void resyncDisk(ResyncDiskRequest request, StreamObserver<ResyncProgress> responses) {
    Calls.streaming(
        responses, (progress, cancelled) -> source.resyncDisk(request, progress, cancelled));
  }

  // --- end resync (R15) ---

  @Override
  public void replicateCycle(
      ReplicateCycleRequest request, StreamObserver<ReplicateCycleResponse> responses) {
    Calls.unary(responses, () -> cycle.run(request.getItemId()));
  }

  @Override
  public void getReplicationState(ItemRef request, StreamObserver<ReplicationState> responses) {
    Calls.unary(responses, () -> state(store.require(request.getItemId())));
  }

  @Override
  public void listRecoveryPoints(
      ItemRef request, StreamObserver<ListRecoveryPointsResponse> responses) {
    Calls.unary(responses, () -> RecoveryMessages.list(points.list(request.getItemId())));
  }

  @Override
  public void stopReplication(ItemRef request, StreamObserver<ReplicationState> responses) {
    Calls.unary(
        responses,
        () -> {
          ReplicationRecord record = store.require(request.getItemId());
          if (record.active()) {
            record = store.put(record.withActive(false));
            if (record.role() == ReplicationRecord.Role.SOURCE
                && driver.find(record.vmId()).isPresent()) {
              driver.setTracking(record.vmId(), false);
            }
          }
          return state(record);
        });
  }

  private ReplicationState state(ReplicationRecord record) throws IOException {
    return states.of(record);
  }

  // --- recovery points (R13/R20) ---

  @Override
  public void setRecoveryPolicy(
      SetRecoveryPolicyRequest request, StreamObserver<RecoveryPolicy> responses) {
    Calls.unary(
        responses,
        () ->
            RecoveryMessages.policy(
                points.setPolicy(
                    request.getItemId(),
                    request.getRetentionMillis(),
                    request.getAppConsistentEveryMillis())));
  }

  @Override
  public void materializeRecoveryPoint(
      MaterializeRecoveryPointRequest request,
      StreamObserver<MaterializeRecoveryPointResponse> responses) {
    Calls.unary(
        responses,
        () -> {
          if (request.getMode() == MaterializeMode.MATERIALIZE_MODE_UNSPECIFIED
              || request.getMode() == MaterializeMode.UNRECOGNIZED) {
            throw new IllegalArgumentException("mode must be IN_PLACE or NEW_COPY");
          }
          RecoveryPoints.Materialized done =
              points.materialize(
                  request.getItemId(),
                  request.getPointId(),
                  request.getMode() == MaterializeMode.IN_PLACE,
                  request.getCopyName());
          return RecoveryMessages.materialized(done)
              .setVm(Messages.vm(done.vm(), nbdAddress.get()))
              .build();
        });
  }

  // --- test failover (R27) ---

  @Override
  public void createTestVm(
      CreateTestVmRequest request, StreamObserver<MaterializeRecoveryPointResponse> responses) {
    Calls.unary(
        responses,
        () -> {
          TestVms.Created done =
              tests.create(request.getItemId(), request.getPointId(), request.getNetwork());
          return MaterializeRecoveryPointResponse.newBuilder()
              .setPoint(Messages.point(done.point()))
              .setVm(Messages.vm(done.vm(), nbdAddress.get()))
              .build();
        });
  }

  @Override
  public void setVmAddresses(SetVmAddressesRequest request, StreamObserver<Vm> responses) {
    Calls.unary(
        responses,
        () -> {
          String staticIp = address("static_ip", request.getStaticIp());
          String publicIp = address("public_ip", request.getPublicIp());
          driver.setAddresses(request.getVmId(), staticIp, publicIp);
          return Messages.vm(driver.require(request.getVmId()), nbdAddress.get());
        });
  }

  /** An IP literal or null for empty; never a host name, so nothing is looked up. */
  private static String address(String field, String value) {
    if (value.isEmpty()) {
      return null;
    }
    if (!com.google.common.net.InetAddresses.isInetAddress(value)) {
      throw new IllegalArgumentException(
          field + " must be an IPv4 or IPv6 address; it is '" + value + "'");
    }
    return value;
  }

  // --- lifecycle (R9-R16) ---

  @Override
  public void deleteVm(VmRef request, StreamObserver<DeleteVmResponse> responses) {
    Calls.unary(
        responses,
        () ->
            DeleteVmResponse.newBuilder()
                .setVmId(request.getVmId())
                .setDeleted(vms.delete(request.getVmId()))
                .build());
  }

  @Override
  public void runScript(RunScriptRequest request, StreamObserver<RunScriptResponse> responses) {
    Calls.unary(
        responses,
        () -> scripts.run(request.getName(), request.getArgsList(), request.getTimeoutSeconds()));
  }
}
