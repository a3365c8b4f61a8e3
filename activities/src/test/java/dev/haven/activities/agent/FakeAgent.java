package dev.haven.activities.agent;

import dev.haven.protocol.AgentServiceGrpc;
import dev.haven.protocol.CopyDiskRequest;
import dev.haven.protocol.CopyProgress;
import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.HashDiskResponse;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.MaterializeRecoveryPointRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.PrepareReplicaRequest;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.ResyncDiskRequest;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A fake host agent on a real gRPC server with mutual TLS on loopback. Tests set its canned
 * answers, or an error {@link Status} per method, and read the requests it received.
 */
final class FakeAgent extends AgentServiceGrpc.AgentServiceImplBase implements AutoCloseable {
  final Map<String, Status> failures = new ConcurrentHashMap<>();
  final List<Object> requests = new CopyOnWriteArrayList<>();
  volatile Vm vm = Vm.getDefaultInstance();
  volatile ReplicationState state = ReplicationState.getDefaultInstance();
  volatile List<CopyProgress> copyProgress = List.of();
  volatile List<ResyncProgress> resyncProgress = List.of();
  volatile ReplicateCycleResponse cycle = ReplicateCycleResponse.getDefaultInstance();
  final Map<String, String> diskHashes = new ConcurrentHashMap<>();
  volatile MaterializeRecoveryPointResponse materialized =
      MaterializeRecoveryPointResponse.getDefaultInstance();
  volatile dev.haven.protocol.AgentInfo info = dev.haven.protocol.AgentInfo.getDefaultInstance();

  private final Server server;

  FakeAgent(TlsFiles identity) throws IOException {
    server =
        Grpc.newServerBuilderForPort(0, identity.serverCredentials())
            .addService(this)
            .build()
            .start();
  }

  /** A CA in {@code dir} with an identity for the fake agent and one for the worker. */
  static TlsFiles[] identities(Path dir) throws IOException {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"));
    return new TlsFiles[] {
      ca.issue(dir.resolve("agent"), "agent", List.of()),
      ca.issue(dir.resolve("worker"), "worker", List.of())
    };
  }

  String address() {
    return "localhost:" + server.getPort();
  }

  @Override
  public void getInfo(
      dev.haven.protocol.GetInfoRequest request, StreamObserver<dev.haven.protocol.AgentInfo> out) {
    answer("GetInfo", request, info, out);
  }

  @Override
  public void deleteVm(VmRef request, StreamObserver<dev.haven.protocol.DeleteVmResponse> out) {
    answer(
        "DeleteVm",
        request,
        dev.haven.protocol.DeleteVmResponse.newBuilder()
            .setVmId(request.getVmId())
            .setDeleted(true)
            .build(),
        out);
  }

  @Override
  public void getVm(VmRef request, StreamObserver<Vm> out) {
    answer("GetVm", request, vm, out);
  }

  @Override
  public void prepareReplica(PrepareReplicaRequest request, StreamObserver<ReplicationState> out) {
    answer("PrepareReplica", request, state, out);
  }

  @Override
  public void getReplicationState(ItemRef request, StreamObserver<ReplicationState> out) {
    answer("GetReplicationState", request, state, out);
  }

  @Override
  public void stopReplication(ItemRef request, StreamObserver<ReplicationState> out) {
    answer("StopReplication", request, state, out);
  }

  @Override
  public void setPower(SetPowerRequest request, StreamObserver<Vm> out) {
    answer(
        "SetPower",
        request,
        vm.toBuilder().setPowerState(request.getOn() ? "on" : "off").build(),
        out);
  }

  @Override
  public void replicateCycle(
      ReplicateCycleRequest request, StreamObserver<ReplicateCycleResponse> out) {
    answer("ReplicateCycle", request, cycle, out);
  }

  @Override
  public void hashDisk(HashDiskRequest request, StreamObserver<HashDiskResponse> out) {
    HashDiskResponse hash =
        HashDiskResponse.newBuilder().setSha256(diskHashes.get(request.getDiskId())).build();
    answer("HashDisk", request, hash, out);
  }

  @Override
  public void copyDisk(CopyDiskRequest request, StreamObserver<CopyProgress> out) {
    requests.add(request);
    Status failure = failures.get("CopyDisk");
    for (CopyProgress p : copyProgress) {
      out.onNext(p);
    }
    if (failure != null) {
      out.onError(failure.asRuntimeException());
    } else {
      out.onCompleted();
    }
  }

  // --- resync (R15) ---
  @Override
  public void resyncDisk(ResyncDiskRequest request, StreamObserver<ResyncProgress> out) {
    requests.add(request);
    resyncProgress.forEach(out::onNext);
    out.onCompleted();
  }

  // --- end resync (R15) ---

  @Override
  public void materializeRecoveryPoint(
      MaterializeRecoveryPointRequest request,
      StreamObserver<MaterializeRecoveryPointResponse> out) {
    answer("MaterializeRecoveryPoint", request, materialized, out);
  }

  private <T> void answer(String method, Object request, T response, StreamObserver<T> out) {
    requests.add(request);
    Status failure = failures.get(method);
    if (failure != null) {
      out.onError(failure.asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  @SuppressWarnings("unchecked")
  <T> List<T> requestsOf(Class<T> type) {
    return (List<T>) requests.stream().filter(type::isInstance).toList();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
