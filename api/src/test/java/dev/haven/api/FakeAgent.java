package dev.haven.api;

import dev.haven.protocol.AgentInfo;
import dev.haven.protocol.AgentServiceGrpc;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.Disk;
import dev.haven.protocol.GetInfoRequest;
import dev.haven.protocol.ListVmsRequest;
import dev.haven.protocol.ListVmsResponse;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host agent for API tests: the inventory half of {@code AgentService}, in memory, on a real gRPC
 * server on loopback without TLS.
 */
final class FakeAgent extends AgentServiceGrpc.AgentServiceImplBase implements AutoCloseable {
  private final String hostName;
  private final String site;
  private final Map<String, Vm> vms = new ConcurrentHashMap<>();
  private final AtomicInteger next = new AtomicInteger();
  private Server server;

  private FakeAgent(String hostName, String site) {
    this.hostName = hostName;
    this.site = site;
  }

  static FakeAgent start(String hostName, String site) {
    FakeAgent agent = new FakeAgent(hostName, site);
    try {
      agent.server =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
              .addService(agent)
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return agent;
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** Puts a VM straight into the agent, as if it had been made behind the API's back. */
  Vm put(String id, String name) {
    Vm vm =
        Vm.newBuilder()
            .setId(id)
            .setName(name)
            .setCpus(1)
            .setMemoryMib(256)
            .setPowerState("off")
            .addDisks(Disk.newBuilder().setId(id + "-d0").setSizeBytes(1 << 20))
            .build();
    vms.put(id, vm);
    return vm;
  }

  @Override
  public void getInfo(GetInfoRequest request, StreamObserver<AgentInfo> out) {
    reply(
        out,
        AgentInfo.newBuilder()
            .setHostName(hostName)
            .setSite(site)
            .setVersion("fake-1.0")
            .setFreeBytes(1L << 40)
            .setDataDir("/tmp/" + hostName)
            .setNbdAddress("127.0.0.1:10809")
            .build());
  }

  @Override
  public void listVms(ListVmsRequest request, StreamObserver<ListVmsResponse> out) {
    reply(out, ListVmsResponse.newBuilder().addAllVms(vms.values()).build());
  }

  @Override
  public void getVm(VmRef request, StreamObserver<Vm> out) {
    Vm vm = vms.get(request.getVmId());
    if (vm == null) {
      out.onError(Status.NOT_FOUND.withDescription("no VM " + request.getVmId()).asException());
    } else {
      reply(out, vm);
    }
  }

  @Override
  public void createVm(CreateVmRequest request, StreamObserver<Vm> out) {
    // Import: the real agent refuses an image that is not a file on its host the same way.
    if (!request.getImagePath().isEmpty()
        && !java.nio.file.Files.isRegularFile(java.nio.file.Path.of(request.getImagePath()))) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("image_path " + request.getImagePath() + " is not a file")
              .asException());
      return;
    }
    String id = hostName + "-vm-" + next.incrementAndGet();
    Vm.Builder vm =
        Vm.newBuilder()
            .setId(id)
            .setName(request.getName())
            .setCpus(request.getCpus())
            .setMemoryMib(request.getMemoryMib())
            .setPowerState("off")
            .addAllNetworks(request.getNetworksList());
    for (int i = 0; i < request.getDiskSizeBytesCount(); i++) {
      vm.addDisks(Disk.newBuilder().setId(id + "-d" + i).setSizeBytes(request.getDiskSizeBytes(i)));
    }
    vms.put(id, vm.build());
    reply(out, vm.build());
  }

  @Override
  public void setPower(SetPowerRequest request, StreamObserver<Vm> out) {
    Vm vm = vms.get(request.getVmId());
    if (vm == null) {
      out.onError(Status.NOT_FOUND.withDescription("no VM " + request.getVmId()).asException());
      return;
    }
    Vm.Builder changed = vm.toBuilder().setPowerState(request.getOn() ? "on" : "off");
    for (int i = 0; i < changed.getDisksCount(); i++) {
      Disk disk = changed.getDisks(i);
      String uri = request.getOn() ? "nbd://127.0.0.1:10809/" + disk.getId() : "";
      changed.setDisks(i, disk.toBuilder().setNbdUri(uri));
    }
    vms.put(vm.getId(), changed.build());
    reply(out, changed.build());
  }

  private static <T> void reply(StreamObserver<T> out, T value) {
    out.onNext(value);
    out.onCompleted();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
