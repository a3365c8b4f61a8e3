package dev.haven.agent;

import dev.haven.agent.nbd.ExportResolver;
import dev.haven.agent.nbd.NbdServer;
import dev.haven.agent.qemu.QemuHypervisor;
import dev.haven.agent.replication.ReplicationCycle;
import dev.haven.agent.replication.ReplicationRecord;
import dev.haven.agent.replication.ReplicationStateStore;
import dev.haven.agent.replication.SourceReplication;
import dev.haven.agent.replication.TargetReplication;
import dev.haven.agent.replication.TestVms;
import dev.haven.agent.service.AgentServiceImpl;
import dev.haven.agent.service.PeerServiceImpl;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.Hypervisor;
import dev.haven.agent.vm.OverlayExports;
import dev.haven.agent.vm.RunningDiskExports;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import dev.haven.protocol.client.AgentChannels;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running host agent: its VM driver and replication state over the data folder, its NBD server
 * for the guests, and its gRPC server (mutual TLS) for the control plane and its peers.
 */
public final class AgentServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentServer.class);
  private static final int FLOW_CONTROL_WINDOW = 8 * 1024 * 1024;

  private final FileVmDriver driver;
  private final AgentChannels channels;
  private NbdServer nbd;
  private Server grpc;
  private ServerEventLoops eventLoops;
  private String grpcAddress;
  private String nbdAddress;
  private SourceReplication source;
  private dev.haven.agent.cloud.CloudStores cloudStores;
  private TargetReplication target;
  private Hypervisor hypervisor = Hypervisor.NONE;

  private AgentServer(FileVmDriver driver, AgentChannels channels) {
    this.driver = driver;
    this.channels = channels;
  }

  /**
   * Opens the agent's data folder (VMs, disks, change logs, replication state), powers on the VMs
   * that were running when it stopped, and starts the gRPC server (mutual TLS) and the NBD server.
   */
  public static AgentServer start(AgentConfig config) throws IOException {
    return start(config, true);
  }

  /**
   * As {@link #start(AgentConfig)}; without {@code serveNbd} no NBD server runs (tests that drive
   * disks through the driver), and {@link #nbdAddress()} answers the configured address.
   */
  static AgentServer start(AgentConfig config, boolean serveNbd) throws IOException {
    Files.createDirectories(config.dataDir());
    FileVmDriver driver = new FileVmDriver(config.dataDir());
    AgentServer agent =
        new AgentServer(driver, new AgentChannels(config.tls().channelCredentials()));
    try {
      agent.open(config, serveNbd);
      return agent;
    } catch (IOException | RuntimeException e) {
      agent.close();
      throw e;
    }
  }

  private void open(AgentConfig config, boolean serveNbd) throws IOException {
    ReplicationStateStore store = new ReplicationStateStore(config.dataDir());
    // Tracking resumes before any guest can write again.
    for (ReplicationRecord record : store.all()) {
      if (record.active()
          && record.role() == ReplicationRecord.Role.SOURCE
          && driver.find(record.vmId()).isPresent()) {
        driver.setTracking(record.vmId(), true);
      }
    }
    // Running VMs come back: their disks are opened (a live log is replayed onto its image) and
    // exported again, since the exports follow the driver's power state.
    for (VmRecord vm : driver.list()) {
      if (vm.poweredOn()) {
        for (VmDisk disk : vm.disks()) {
          driver.device(vm.id(), disk.id());
        }
      }
    }
    if (serveNbd) {
      // Test-failover VMs (R27) are served as overlays of the replica at their point.
      ExportResolver exports =
          new OverlayExports(driver, new TestVms(driver, store), new RunningDiskExports(driver));
      nbd = new NbdServer(exports);
      int port = nbd.start(config.nbdHost(), config.nbdPort());
      nbdAddress = address(config.nbdHost(), port, config.hostName());
      hypervisor = hypervisor(config, exports, port);
    } else {
      nbdAddress = address(config.nbdHost(), config.nbdPort(), config.hostName());
    }
    source = new SourceReplication(driver, store, channels);
    // A cloud site (issue 8): this agent writes objects as a source and rebuilds VMs as a host.
    cloudStores = new dev.haven.agent.cloud.CloudStores(config.keyringFile());
    source.attachCloud(new dev.haven.agent.cloud.CloudSource(config.dataDir(), cloudStores));
    target = new TargetReplication(driver, store);
    AgentServiceImpl agentService =
        new AgentServiceImpl(
            new AgentServiceImpl.Identity(
                config.hostName(), config.site(), config.dataDir(), version()),
            () -> nbdAddress,
            driver,
            store,
            source,
            new ReplicationCycle(driver, store, source, channels),
            target,
            this::closeExport,
            hypervisor);
    eventLoops = new ServerEventLoops(config.hostName());
    grpc =
        eventLoops
            .configure(
                NettyServerBuilder.forAddress(
                    new InetSocketAddress(config.grpcHost(), config.grpcPort()),
                    config.tls().serverCredentials()))
            .maxInboundMessageSize(AgentChannels.MAX_MESSAGE_BYTES)
            // A peer may send 8 MiB ahead of what this agent has processed, per connection, so
            // that TLS and HTTP/2 decoding of the next chunks overlaps the writing of this one;
            // with gRPC's default (1 MiB, one chunk) the two took turns.
            .flowControlWindow(FLOW_CONTROL_WINDOW)
            .addService(agentService)
            .addService(new PeerServiceImpl(target).definition())
            .addService(
                new dev.haven.agent.service.CloudServiceImpl(
                    new dev.haven.agent.cloud.CloudHost(driver, cloudStores, config.dataDir()),
                    () -> nbdAddress))
            .build()
            .start();
    grpcAddress = address(config.grpcHost(), grpc.getPort(), config.hostName());
    LOG.info(
        "agent {} serves gRPC on {} and NBD on {}", config.hostName(), grpcAddress, nbdAddress);
    // A host that comes back runs again the guests that were running when it went down.
    for (VmRecord vm : driver.list()) {
      if (vm.poweredOn()) {
        try {
          hypervisor.start(vm);
        } catch (IOException e) {
          LOG.error("could not start the guest of {} again", vm.id(), e);
          guestStopped(vm.id(), "could not start again: " + e.getMessage());
        }
      }
    }
  }

  /** The hypervisor the config names; QEMU guests reach the NBD server on loopback. */
  private Hypervisor hypervisor(AgentConfig config, ExportResolver exports, int port) {
    if (!config.hypervisor().equals("qemu")) {
      return Hypervisor.NONE;
    }
    boolean wildcard =
        config.nbdHost() == null
            || config.nbdHost().isBlank()
            || config.nbdHost().equals("0.0.0.0")
            || config.nbdHost().equals("::");
    String host = wildcard ? "127.0.0.1" : config.nbdHost();
    String hostPort = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    return new QemuHypervisor(
        new QemuHypervisor.Settings(
            QemuHypervisor.Settings.defaults().binary(),
            config.qemuAccel(),
            QemuHypervisor.Settings.defaults().shutdownTimeout()),
        driver::folder,
        exports,
        () -> hostPort,
        this::guestStopped);
  }

  /**
   * A guest stopped without Haven asking (it shut down, crashed, or QEMU was killed): the VM is off
   * now, so it is marked off, its NBD clients are dropped and its disks flushed.
   */
  private void guestStopped(String vmId, String reason) {
    try {
      VmRecord vm = driver.setPower(vmId, false);
      for (VmDisk disk : vm.disks()) {
        closeExport(disk.id());
        driver.device(vmId, disk.id()).flush();
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("could not mark VM {} off after its guest stopped ({})", vmId, reason, e);
    }
  }

  private void closeExport(String diskId) {
    if (nbd != null) {
      nbd.closeExport(diskId);
    }
  }

  /** host:port that peers can dial: a wildcard bind address is replaced by the host name. */
  private static String address(String host, int port, String hostName) {
    boolean wildcard =
        host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::");
    String name = wildcard ? hostName : host;
    return (name.contains(":") ? "[" + name + "]" : name) + ":" + port;
  }

  private static String version() {
    String version = AgentServer.class.getPackage().getImplementationVersion();
    return version != null ? version : "0.1.0-SNAPSHOT";
  }

  /** The VM driver, for tests that write to disks as a guest would. */
  FileVmDriver driver() {
    return driver;
  }

  /** The source side of replication, for tests that act while a copy runs. */
  SourceReplication source() {
    return source;
  }

  /** The target side of replication, for tests that count what a copy delivered. */
  TargetReplication target() {
    return target;
  }

  /** The channels this agent dials its peers with, for tests that restart a peer. */
  AgentChannels channels() {
    return channels;
  }

  /** host:port of the gRPC endpoint. */
  public String grpcAddress() {
    return grpcAddress;
  }

  /** host:port of the NBD server. */
  public String nbdAddress() {
    return nbdAddress;
  }

  /** Stops both servers and flushes every disk and log. Running VMs stay marked as running. */
  @Override
  public void close() {
    // The host goes down: its guests stop at once, before their disks' exports go away.
    hypervisor.close();
    if (grpc != null) {
      grpc.shutdown();
      try {
        if (!grpc.awaitTermination(5, TimeUnit.SECONDS)) {
          grpc.shutdownNow();
          grpc.awaitTermination(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        grpc.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (eventLoops != null) {
      eventLoops.close();
    }
    if (nbd != null) {
      nbd.close();
    }
    channels.close();
    try {
      if (cloudStores != null) {
        cloudStores.close();
      }
    } catch (IOException e) {
      LOG.error("could not close the cloud object stores", e);
    }
    try {
      driver.close();
    } catch (IOException e) {
      LOG.error("could not flush every disk on close", e);
    }
  }
}
