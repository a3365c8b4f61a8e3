package dev.haven.dist.failover;

import dev.haven.activities.agent.AgentActivitiesImpl;
import dev.haven.agent.AgentConfig;
import dev.haven.agent.AgentServer;
import dev.haven.dist.client.GuestDiskModel;
import dev.haven.dist.client.QemuIo;
import dev.haven.protocol.AgentServiceGrpc.AgentServiceBlockingStub;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.ListVmsRequest;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import dev.haven.worker.HavenWorker;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.ItemStatus;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionInput;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Two real agents (primary "a", secondary "b") in this JVM over mutual TLS, the real activities,
 * the protection workflow on the time-skipping Temporal test server, and an in-memory store. A test
 * drives the guest through real NBD clients (qemu-io, qemu-img) and skips the workflow's clock to
 * run delta cycles. Agent "a" can be killed and started again on the same folder and ports, as a
 * host that went down.
 */
final class RealAgentsRig implements AutoCloseable {
  static final int COPY_FREQUENCY_SECONDS = 60;

  final Path root;
  final CertificateAuthority ca;
  final AgentConfig configA;
  final AgentConfig configB;
  final AgentChannels channels;
  final TestWorkflowEnvironment env;
  final WorkflowClient client;
  final MemoryStore store = new MemoryStore();
  private final WorkerFactory worker;
  AgentServer a;
  AgentServer b;

  RealAgentsRig(Path root) throws IOException {
    this(root, "file");
  }

  /** The rig with both agents on {@code hypervisor} ({@code file} or {@code qemu}). */
  RealAgentsRig(Path root, String hypervisor) throws IOException {
    this(root, hypervisor, null);
  }

  /**
   * The rig with both agents configured with the vault keyring file {@code keyring}; {@code null}
   * leaves them to the fallbacks of {@link AgentConfig#keyringFile()}.
   */
  RealAgentsRig(Path root, String hypervisor, Path keyring) throws IOException {
    this.root = root;
    this.ca = CertificateAuthority.loadOrCreate(root.resolve("ca"));
    this.configA = config("a", "primary").withHypervisor(hypervisor).withVaultKeyring(keyring);
    this.configB = config("b", "secondary").withHypervisor(hypervisor).withVaultKeyring(keyring);
    TlsFiles workerTls = ca.issue(root.resolve("worker"), "worker", List.of());
    this.channels = new AgentChannels(workerTls.channelCredentials());
    this.a = AgentServer.start(configA);
    this.b = AgentServer.start(configB);
    this.env = TestWorkflowEnvironment.newInstance();
    this.client = env.getWorkflowClient();
    this.worker = HavenWorker.start(client, new AgentActivitiesImpl(channels), store);
  }

  /**
   * A rig whose target site is a cloud site with the object store at {@code storage}: both agents
   * seal with the keyring {@code <tmp>/vault.keyring} (made here), so agent "b" is the cloud host.
   */
  static RealAgentsRig cloud(Path tmp, String storage) throws IOException {
    Path keyring = tmp.resolve("vault.keyring");
    dev.haven.cloud.crypto.VaultKeyring.loadOrCreate(keyring);
    RealAgentsRig rig = new RealAgentsRig(tmp.resolve("rig"), "file", keyring);
    rig.store.siteStorage.put(rig.target().siteId(), storage);
    return rig;
  }

  /** The cloud host builds {@code itemId}'s point {@code seq} into a new VM; its disks' SHA-256. */
  List<String> buildInCloud(String storage, String itemId, long seq) {
    return dev.haven.protocol.CloudServiceGrpc.newBlockingStub(
            channels.channel(target().agentAddress()))
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .materializeCloudPoint(
            dev.haven.protocol.MaterializeCloudPointRequest.newBuilder()
                .setItemId(itemId)
                .setCloudStorage(storage)
                .setPointId("rp-" + seq)
                .setVmName(itemId + "-cloud-" + seq)
                .setCpus(1)
                .setMemoryMib(512)
                .addNetworks("dr-lan")
                .build())
        .getDiskSha256List();
  }

  private AgentConfig config(String name, String site) throws IOException {
    TlsFiles tls = ca.issue(root.resolve(name).resolve("tls"), "agent-" + name, List.of());
    return new AgentConfig(
        "host-" + name,
        site,
        root.resolve(name).resolve("data"),
        "127.0.0.1",
        freePort(),
        "127.0.0.1",
        freePort(),
        tls);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  HostRef source() {
    return new HostRef("host-a", "primary", "127.0.0.1:" + configA.grpcPort());
  }

  HostRef target() {
    return new HostRef("host-b", "secondary", "127.0.0.1:" + configB.grpcPort());
  }

  AgentServiceBlockingStub agentA() {
    return channels.agent(source().agentAddress()).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  AgentServiceBlockingStub agentB() {
    return channels.agent(target().agentAddress()).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** The source site goes down: its agent's gRPC and NBD servers stop. */
  void killA() {
    a.close();
    a = null;
  }

  /**
   * The source site comes back: its agent starts again on the same data folder and, as a host that
   * went down does, starts again the VMs that were running.
   */
  void restartA() throws IOException {
    a = AgentServer.start(configA);
  }

  /** A running VM at the source with one disk of {@code sizeBytes}, on network lan. */
  Vm runningVm(String name, long sizeBytes) {
    Vm vm =
        agentA()
            .createVm(
                CreateVmRequest.newBuilder()
                    .setName(name)
                    .setCpus(1)
                    .setMemoryMib(512)
                    .addDiskSizeBytes(sizeBytes)
                    .addNetworks("lan")
                    .build());
    return agentA().setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(true).build());
  }

  Vm vmAtA(String vmId) {
    return agentA().getVm(VmRef.newBuilder().setVmId(vmId).build());
  }

  Vm vmAtB(String vmId) {
    return agentB().getVm(VmRef.newBuilder().setVmId(vmId).build());
  }

  List<String> vmIdsAtB() {
    return agentB().listVms(ListVmsRequest.getDefaultInstance()).getVmsList().stream()
        .map(Vm::getId)
        .toList();
  }

  /** SHA-256 of a VM's first disk at the target, as its agent reads it. */
  String hashAtB(Vm vm) {
    return agentB()
        .hashDisk(
            HashDiskRequest.newBuilder()
                .setVmId(vm.getId())
                .setDiskId(vm.getDisks(0).getId())
                .build())
        .getSha256();
  }

  /** SHA-256 of a running VM's first disk, read whole over NBD by qemu-img. */
  String hashOverNbd(Vm vm) throws IOException, InterruptedException {
    return QemuIo.sha256OfExport(vm.getDisks(0).getNbdUri(), root);
  }

  /** The guest writes {@code blocks} random 64 KiB blocks through NBD with qemu-io. */
  static void write(Vm vm, GuestDiskModel model, SplittableRandom random, int blocks)
      throws IOException, InterruptedException {
    QemuIo.writeRandomBlocks(vm.getDisks(0).getNbdUri(), model, random, blocks);
  }

  ProtectedItemWorkflow protect(String itemId, String vmId) {
    ProtectionInput input =
        new ProtectionInput(
            itemId,
            vmId,
            "job-enable-" + itemId,
            source(),
            target(),
            COPY_FREQUENCY_SECONDS,
            Map.of("lan", "dr-lan"),
            false,
            null);
    ProtectedItemWorkflow starter =
        client.newWorkflowStub(
            ProtectedItemWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.HAVEN)
                .setWorkflowId(ProtectedItemWorkflow.workflowId(itemId))
                .build());
    WorkflowClient.start(starter::run, input);
    return client.newWorkflowStub(
        ProtectedItemWorkflow.class, ProtectedItemWorkflow.workflowId(itemId));
  }

  /** A stub of item {@code itemId}'s workflow, whichever its current run. */
  ProtectedItemWorkflow workflow(String itemId) {
    return client.newWorkflowStub(
        ProtectedItemWorkflow.class, ProtectedItemWorkflow.workflowId(itemId));
  }

  /** Runs one delta cycle by skipping the workflow's clock; answers the applied sequence. */
  long cycle(ProtectedItemWorkflow wf) {
    long before = wf.status().lastAppliedSeq();
    env.sleep(Duration.ofSeconds(COPY_FREQUENCY_SECONDS + 1));
    return await(wf, s -> s.lastAppliedSeq() > before, "a delta cycle").lastAppliedSeq();
  }

  ItemStatus await(ProtectedItemWorkflow wf, ItemState state) {
    return await(wf, s -> s.state() == state, "state " + state.apiName());
  }

  /** Waits, in real time (up to two minutes), until the status Query satisfies {@code done}. */
  ItemStatus await(ProtectedItemWorkflow wf, Predicate<ItemStatus> done, String what) {
    ItemStatus last = null;
    for (int i = 0; i < 1200; i++) {
      last = wf.status();
      if (done.test(last)) {
        return last;
      }
      sleep(100);
    }
    throw new AssertionError("the item never reached " + what + "; last status " + last);
  }

  /** Waits until job {@code jobId} ended; answers its last state. */
  String awaitJob(String jobId) {
    for (int i = 0; i < 1200; i++) {
      var states = store.states(jobId);
      if (!states.isEmpty()) {
        String last = states.get(states.size() - 1).state();
        if (last.equals("succeeded") || last.equals("failed")) {
          return last;
        }
      }
      sleep(100);
    }
    throw new AssertionError("job " + jobId + " never ended; steps " + store.steps(jobId));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    worker.shutdownNow();
    env.close();
    channels.close();
    if (a != null) {
      a.close();
    }
    b.close();
  }
}
