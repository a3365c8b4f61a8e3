package dev.haven.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.activities.agent.AgentActivitiesImpl;
import dev.haven.agent.AgentConfig;
import dev.haven.agent.AgentServer;
import dev.haven.dist.client.GuestDiskModel;
import dev.haven.dist.client.QemuIo;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.AgentActivities.CycleResult;
import dev.haven.workflows.activities.AgentActivities.DiskResynced;
import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.ItemStatus;
import dev.haven.workflows.protection.LifecycleRequest;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectedItemWorkflowImpl;
import dev.haven.workflows.protection.ProtectionInput;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R15 end to end below the API: two real agents over mutual TLS, the real activities, the
 * protected-item workflow on Temporal's in-process test server (time-skipping, so that R16's
 * back-off costs no real minutes), and real NBD writes with qemu-io. A change log deleted out of
 * band marks the item resync-required; a resync by hand sends only the differing blocks, leaves the
 * replica byte-identical to the source, and delta replication carries on after it.
 */
class ResyncOrchestrationTest {
  static final int DISK_BYTES = 16 << 20;
  static final int BLOCK = 64 << 10;
  static final String ITEM = "item-resync";

  @TempDir Path root;

  private TestWorkflowEnvironment env;
  private AgentServer a;
  private AgentServer b;
  private AgentChannels channels;

  /** Every result the real agent activities returned, by method name. */
  private final List<Object[]> results = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (env != null) {
      env.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {channels, a, b}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // best effort
      }
    }
  }

  @Test
  void R15_lostLogMarksTheItemAndAResyncSendsOnlyDifferingBlocksThenDeltasResume()
      throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(root.resolve("ca"));
    AgentConfig configA = config(ca, "a", "primary");
    AgentConfig configB = config(ca, "b", "secondary");
    a = AgentServer.start(configA);
    b = AgentServer.start(configB);
    channels =
        new AgentChannels(
            ca.issue(root.resolve("worker"), "worker", List.of()).channelCredentials());

    Vm vm =
        channels
            .agent(a.grpcAddress())
            .createVm(
                CreateVmRequest.newBuilder()
                    .setName("resync-vm")
                    .setCpus(1)
                    .setMemoryMib(256)
                    .addDiskSizeBytes(DISK_BYTES)
                    .addNetworks("lan")
                    .build());
    vm =
        channels
            .agent(a.grpcAddress())
            .setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(true).build());
    String nbd = vm.getDisks(0).getNbdUri();
    String diskId = vm.getDisks(0).getId();
    GuestDiskModel guest = new GuestDiskModel(DISK_BYTES);
    SplittableRandom random = new SplittableRandom(15);
    QemuIo.writeRandomBlocks(nbd, guest, random, 64);

    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(TaskQueues.HAVEN);
    worker.registerWorkflowImplementationTypes(ProtectedItemWorkflowImpl.class);
    worker.registerActivitiesImplementations(recording(new AgentActivitiesImpl(channels)), store());
    env.start();
    ProtectedItemWorkflow wf = start(vm.getId());
    ItemStatus protectedStatus = await(wf, s -> s.state() == ItemState.PROTECTED, "protected");
    Path replicaImage = configB.dataDir().resolve("vms").resolve(protectedStatus.replicaVmId());
    Path sourceImage =
        configA.dataDir().resolve("vms").resolve(vm.getId()).resolve(diskId + ".img");

    // The policy's retention reached the target, which prunes recovery points by it (R9/R13).
    Path targetPolicy = configB.dataDir().resolve("recovery").resolve(ITEM + ".json");
    await(
        wf,
        s -> retentionMillis(targetPolicy) == Duration.ofHours(24).toMillis(),
        "the policy's retention at the target");

    // The target goes away; the guest writes; the next cycle seals a log it cannot ship.
    b.close();
    QemuIo.writeRandomBlocks(nbd, guest, random, 24);
    env.sleep(Duration.ofSeconds(6));
    await(
        wf,
        s -> s.lastError() != null && s.lastError().contains("ReplicateCycle"),
        "a cycle that could not ship");
    // More writes go to the live log, the one with the highest sequence, which stays.
    QemuIo.writeRandomBlocks(nbd, guest, random, 4);
    // Out of band, the sealed logs that the target never acknowledged are deleted.
    for (Path log : sealedLogs(configA, vm.getId(), diskId)) {
      Files.delete(log);
    }
    b = AgentServer.start(configB);

    // R16's first back-off, then a cycle that meets the gap: marked, warning, the reason kept.
    ItemStatus marked = null;
    for (int i = 0;
        i < 10 && (marked == null || marked.state() != ItemState.RESYNC_REQUIRED);
        i++) {
      env.sleep(Duration.ofSeconds(61));
      marked = wf.status();
    }
    assertThat(marked.state()).as("%s", marked).isEqualTo(ItemState.RESYNC_REQUIRED);
    assertThat(marked.lastError()).contains("change log").contains("missing");

    Path replicaDisk = onlyImage(replicaImage);
    long differing = differingBytes(sourceImage, replicaDisk);
    assertThat(differing).isPositive().isLessThan(DISK_BYTES / 4);

    wf.resync(new LifecycleRequest("job-resync", false));
    await(wf, s -> s.state() == ItemState.PROTECTED, "protected after the resync");

    int resyncedAt = results.size();
    DiskResynced resynced = (DiskResynced) last("resyncDisk");
    assertThat(resynced.differingBytes()).isEqualTo(differing);
    // Only the differing blocks travel (plus framing and confirmations), not the whole disk.
    assertThat(resynced.bytesSent())
        .isGreaterThanOrEqualTo(differing)
        .isLessThan((long) (differing * 1.05) + BLOCK);
    assertThat(QemuIo.sha256OfFile(replicaDisk)).isEqualTo(QemuIo.sha256OfFile(sourceImage));
    assertThat(QemuIo.sha256OfFile(sourceImage)).isEqualTo(guest.sha256());

    // A new write replicates by delta: a small log, and the replica follows.
    long applied = wf.status().lastAppliedSeq();
    QemuIo.writeRandomBlocks(nbd, guest, random, 3);
    env.sleep(Duration.ofSeconds(6));
    await(wf, s -> s.lastAppliedSeq() > applied, "a delta cycle after the resync");
    List<Long> shipped =
        results.subList(resyncedAt, results.size()).stream()
            .filter(r -> r[0].equals("replicateCycle"))
            .map(r -> ((CycleResult) r[1]).bytesShipped())
            .toList();
    assertThat(shipped).anyMatch(n -> n > 0).allMatch(n -> n < 16L * BLOCK);
    assertThat(QemuIo.sha256OfFile(replicaDisk)).isEqualTo(guest.sha256());
    assertThat(wf.status().state()).isEqualTo(ItemState.PROTECTED);
  }

  private ProtectedItemWorkflow start(String vmId) {
    ProtectedItemWorkflow starter =
        env.getWorkflowClient()
            .newWorkflowStub(
                ProtectedItemWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.HAVEN)
                    .setWorkflowId(ProtectedItemWorkflow.workflowId(ITEM))
                    .build());
    WorkflowClient.start(
        starter::run,
        new ProtectionInput(
            ITEM,
            vmId,
            "job-enable",
            new HostRef("host-a", "primary", a.grpcAddress()),
            new HostRef("host-b", "secondary", b.grpcAddress()),
            5,
            Map.of(),
            false,
            null));
    return env.getWorkflowClient()
        .newWorkflowStub(ProtectedItemWorkflow.class, ProtectedItemWorkflow.workflowId(ITEM));
  }

  private static ItemStatus await(ProtectedItemWorkflow wf, Predicate<ItemStatus> done, String what)
      throws Exception {
    ItemStatus last = null;
    for (int i = 0; i < 1200; i++) {
      last = wf.status();
      if (done.test(last)) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the item never reached " + what + "; last status " + last);
  }

  /** The disk's sealed change logs: every log file but the live one (the highest sequence). */
  private static List<Path> sealedLogs(AgentConfig config, String vmId, String diskId)
      throws IOException {
    try (Stream<Path> files = Files.list(config.dataDir().resolve("vms").resolve(vmId))) {
      List<Path> logs =
          files
              .filter(p -> p.getFileName().toString().startsWith(diskId + "-"))
              .filter(p -> p.getFileName().toString().endsWith(".hrl"))
              .sorted()
              .toList();
      return logs.isEmpty() ? logs : logs.subList(0, logs.size() - 1);
    }
  }

  /** The retention in an agent's recovery-state file of the item; -1 while there is none. */
  private static long retentionMillis(Path file) {
    try {
      return new ObjectMapper().readTree(file.toFile()).path("retentionMillis").asLong(-1);
    } catch (IOException e) {
      return -1;
    }
  }

  private static Path onlyImage(Path vmDir) throws IOException {
    try (Stream<Path> files = Files.list(vmDir)) {
      return files.filter(p -> p.toString().endsWith(".img")).findFirst().orElseThrow();
    }
  }

  /** Bytes in 64 KiB blocks that differ between two images of the same size. */
  private static long differingBytes(Path x, Path y) throws IOException {
    long bytes = 0;
    try (InputStream in1 = Files.newInputStream(x);
        InputStream in2 = Files.newInputStream(y)) {
      byte[] b1 = new byte[BLOCK];
      byte[] b2 = new byte[BLOCK];
      for (int n; (n = in1.readNBytes(b1, 0, BLOCK)) > 0; ) {
        int m = in2.readNBytes(b2, 0, BLOCK);
        if (n != m || !Arrays.equals(b1, 0, n, b2, 0, m)) {
          bytes += n;
        }
      }
    }
    return bytes;
  }

  private Object last(String method) {
    Object found = null;
    for (Object[] r : results) {
      if (r[0].equals(method)) {
        found = r[1];
      }
    }
    return found;
  }

  /** The real activities, with every successful result kept for the assertions. */
  private AgentActivities recording(AgentActivities real) {
    return (AgentActivities)
        Proxy.newProxyInstance(
            AgentActivities.class.getClassLoader(),
            new Class<?>[] {AgentActivities.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return method.invoke(real, args);
              }
              try {
                Object result = method.invoke(real, args);
                results.add(new Object[] {method.getName(), result});
                return result;
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** The store's projections are not under test here: every write is acknowledged. */
  private static StoreActivities store() {
    return (StoreActivities)
        Proxy.newProxyInstance(
            StoreActivities.class.getClassLoader(),
            new Class<?>[] {StoreActivities.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return method.getName().equals("toString") ? "store" : null;
              }
              if (method.getName().equals("siteStorage")) {
                return new StoreActivities.SiteStorage(null); // no cloud site here (issue 8)
              }
              if (method.getName().equals("itemPolicy")) {
                return new StoreActivities.ItemPolicy(
                    "pol", 5, 24, 0, "manual", "UTC", false, "keep");
              }
              return new StoreActivities.Ack(true);
            });
  }

  private AgentConfig config(CertificateAuthority ca, String name, String site) throws IOException {
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
}
