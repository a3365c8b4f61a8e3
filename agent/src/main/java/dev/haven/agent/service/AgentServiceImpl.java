package dev.haven.agent.service;

import dev.haven.agent.replication.RecoveryPoints;
import dev.haven.agent.replication.ReplicationCycle;
import dev.haven.agent.replication.ReplicationStateStore;
import dev.haven.agent.replication.SourceReplication;
import dev.haven.agent.replication.TargetReplication;
import dev.haven.agent.replication.TestVms;
import dev.haven.agent.scripts.ScriptRunner;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.Hypervisor;
import dev.haven.agent.vm.VmRecord;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The control plane's commands to one agent (agent.proto's {@code AgentService}). Each call is
 * answered here and carried out by the class for its concern: {@link VmInventory} and {@link
 * VmOperations} for the host's VMs, {@link ReplicationCommands}, {@link SourceReplication} and
 * {@link ReplicationCycle} for replication, {@link RecoveryVms} for recovery points and failover
 * VMs, and {@link ScriptRunner} for scripts.
 */
public final class AgentServiceImpl extends AgentServiceGrpc.AgentServiceImplBase {
  /** Who this agent is, for GetInfo. */
  public record Identity(String hostName, String site, Path dataDir, String version) {}

  private final Identity identity;
  private final Supplier<String> nbdAddress;
  private final FileVmDriver driver;
  private final Function<VmRecord, Vm> message;
  private final VmInventory inventory;
  private final VmOperations vms;
  private final ReplicationCommands replication;
  private final SourceReplication source;
  private final ReplicationCycle cycle;
  private final RecoveryPoints points;
  private final RecoveryVms recoveryVms;
  private final ScriptRunner scripts;

  /**
   * {@code closeExport} disconnects the NBD clients of one disk; {@code hypervisor} runs the guests
   * of powered-on VMs.
   */
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
    this.message = vm -> Messages.vm(vm, nbdAddress.get());
    this.inventory = new VmInventory(driver, identity.dataDir(), hypervisor, message);
    this.vms = new VmOperations(driver, store, closeExport, hypervisor);
    this.replication = new ReplicationCommands(driver, store, source, target);
    this.source = source;
    this.cycle = cycle;
    this.points = new RecoveryPoints(target);
    this.recoveryVms = new RecoveryVms(points, new TestVms(driver, store), message);
    this.scripts = new ScriptRunner(ScriptRunner.folderOf(identity.dataDir()));
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

  // --- the host's VMs ---

  @Override
  public void listVms(ListVmsRequest request, StreamObserver<ListVmsResponse> responses) {
    Calls.unary(responses, inventory::list);
  }

  @Override
  public void getVm(VmRef request, StreamObserver<Vm> responses) {
    Calls.unary(responses, () -> inventory.get(request.getVmId()));
  }

  @Override
  public void createVm(CreateVmRequest request, StreamObserver<Vm> responses) {
    Calls.unary(responses, () -> inventory.create(request));
  }

  /** Import by upload (R5): a VM from the raw or qcow2 image the caller streams. */
  @Override
  public StreamObserver<ImageChunk> importImage(StreamObserver<Vm> responses) {
    return new ImageUpload(driver, identity.dataDir(), message, responses);
  }

  @Override
  public void setPower(SetPowerRequest request, StreamObserver<Vm> responses) {
    Calls.unary(responses, () -> message.apply(vms.setPower(request.getVmId(), request.getOn())));
  }

  @Override
  public void hashDisk(HashDiskRequest request, StreamObserver<HashDiskResponse> responses) {
    Calls.unary(responses, () -> vms.hash(request.getVmId(), request.getDiskId()));
  }

  @Override
  public void setVmAddresses(SetVmAddressesRequest request, StreamObserver<Vm> responses) {
    Calls.unary(responses, () -> inventory.setAddresses(request));
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

  // --- replication ---

  @Override
  public void prepareReplica(
      PrepareReplicaRequest request, StreamObserver<ReplicationState> responses) {
    Calls.unary(responses, () -> replication.prepare(request));
  }

  @Override
  public void startReplication(
      StartReplicationRequest request, StreamObserver<ReplicationState> responses) {
    Calls.unary(responses, () -> replication.start(request));
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

  /** Resync (R15): the disk is made level with its replica by block hashes. */
  @Override
  public void resyncDisk(ResyncDiskRequest request, StreamObserver<ResyncProgress> responses) {
    Calls.streaming(
        responses, (progress, cancelled) -> source.resyncDisk(request, progress, cancelled));
  }

  @Override
  public void replicateCycle(
      ReplicateCycleRequest request, StreamObserver<ReplicateCycleResponse> responses) {
    Calls.unary(responses, () -> cycle.run(request.getItemId()));
  }

  @Override
  public void getReplicationState(ItemRef request, StreamObserver<ReplicationState> responses) {
    Calls.unary(responses, () -> replication.state(request.getItemId()));
  }

  @Override
  public void stopReplication(ItemRef request, StreamObserver<ReplicationState> responses) {
    Calls.unary(responses, () -> replication.stop(request.getItemId()));
  }

  // --- recovery points (R13/R20) and test failover (R27) ---

  @Override
  public void listRecoveryPoints(
      ItemRef request, StreamObserver<ListRecoveryPointsResponse> responses) {
    Calls.unary(responses, () -> RecoveryMessages.list(points.list(request.getItemId())));
  }

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
    Calls.unary(responses, () -> recoveryVms.materialize(request));
  }

  @Override
  public void createTestVm(
      CreateTestVmRequest request, StreamObserver<MaterializeRecoveryPointResponse> responses) {
    Calls.unary(responses, () -> recoveryVms.createTestVm(request));
  }

  // --- scripts ---

  @Override
  public void runScript(RunScriptRequest request, StreamObserver<RunScriptResponse> responses) {
    Calls.unary(
        responses,
        () -> scripts.run(request.getName(), request.getArgsList(), request.getTimeoutSeconds()));
  }
}
