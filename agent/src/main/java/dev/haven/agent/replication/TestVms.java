package dev.haven.agent.replication;

import dev.haven.agent.NotFoundException;
import dev.haven.agent.PreconditionException;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.io.AtomicFiles;
import dev.haven.agent.replication.ReplicationRecord.PointRecord;
import dev.haven.agent.replication.ReplicationRecord.Role;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import dev.haven.agent.vm.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test-failover VMs (R27): a new VM at the target whose disks are copy-on-write overlays of the
 * replica at a recovery point, on an isolated network. Creating one writes no disk data (its images
 * are sparse and its {@code test-overlay.json} names the replica and the point), so it is ready at
 * once whatever the disks' size; the replica keeps applying logs while the test VM runs, and the
 * test VM's writes stay in its own images. Deleting the VM (DeleteVm) removes the overlay with it.
 */
public final class TestVms {
  static final String FILE = "test-overlay.json";

  /** What {@code test-overlay.json} records: the replica, the point and each disk's base. */
  record OverlayFile(
      int version,
      String itemId,
      String replicaVmId,
      String pointId,
      long pointSeq,
      Map<String, String> replicaDiskOf) {}

  /** The point a test VM holds, and the VM (powered off). */
  public record Created(PointRecord point, VmRecord vm) {}

  private final FileVmDriver driver;
  private final ReplicationStateStore store;
  private final RetentionPruner pruner;
  private final Map<String, OverlayDisk> open = new ConcurrentHashMap<>();

  public TestVms(FileVmDriver driver, ReplicationStateStore store) {
    this.driver = driver;
    this.store = store;
    this.pruner = new RetentionPruner(driver, store);
  }

  /**
   * Creates a powered-off test VM for {@code itemId} at {@code pointId} ("" for the newest,
   * "latest-app-consistent", or "rp-&lt;seq&gt;") on {@code network}.
   */
  public Created create(String itemId, String pointId, String network) throws IOException {
    if (network == null || network.isBlank()) {
      throw new IllegalArgumentException("a test VM needs the isolated network it runs on");
    }
    ReplicationRecord record = store.require(itemId);
    if (record.role() != Role.TARGET) {
      throw new PreconditionException(
          "item '" + itemId + "' is not replicated to this agent; test VMs run at its target");
    }
    record = pruner.prune(itemId, System.currentTimeMillis());
    PointRecord point = find(record, pointId);
    VmRecord replica = driver.require(record.vmId());
    VmRecord vm =
        driver.create(
            new VmSpec(
                replica.name() + "-test-" + point.id(),
                replica.cpus(),
                replica.memoryMiB(),
                replica.disks().stream().map(VmDisk::sizeBytes).toList(),
                List.of(network),
                ""));
    Map<String, String> bases = new HashMap<>();
    for (int i = 0; i < vm.disks().size(); i++) {
      bases.put(vm.disks().get(i).id(), replica.disks().get(i).id());
    }
    AtomicFiles.writeJson(
        driver.folder(vm.id()).resolve(FILE),
        new OverlayFile(1, itemId, replica.id(), point.id(), point.seq(), bases));
    return new Created(point, vm);
  }

  /** The overlay behind a test VM's disk; empty when the VM is no test VM. */
  public Optional<BlockDevice> overlay(String vmId, String diskId) throws IOException {
    Path file = driver.folder(vmId).resolve(FILE);
    if (!Files.exists(file)) {
      OverlayDisk stale = open.remove(diskId);
      if (stale != null) {
        stale.close();
      }
      return Optional.empty();
    }
    OverlayDisk known = open.get(diskId);
    if (known != null) {
      return Optional.of(known);
    }
    synchronized (this) {
      known = open.get(diskId);
      if (known != null) {
        return Optional.of(known);
      }
      OverlayFile f = AtomicFiles.readJson(file, OverlayFile.class);
      String base = f.replicaDiskOf().get(diskId);
      if (base == null) {
        throw new NotFoundException("test VM '" + vmId + "' has no disk '" + diskId + "'");
      }
      PointView view =
          new PointView(
              driver.device(f.replicaVmId(), base),
              UndoJournal.folder(driver.folder(f.replicaVmId())),
              base,
              f.pointSeq());
      OverlayDisk disk =
          new OverlayDisk(
              view,
              driver.device(vmId, diskId),
              driver.folder(vmId).resolve(diskId + ".overlay-map"));
      open.put(diskId, disk);
      return Optional.of(disk);
    }
  }

  private static PointRecord find(ReplicationRecord record, String pointId) {
    List<PointRecord> points =
        record.recoveryPoints().stream()
            .sorted(Comparator.comparingLong(PointRecord::seq).reversed())
            .toList();
    if (points.isEmpty()) {
      throw new PreconditionException("item '" + record.itemId() + "' has no recovery point yet");
    }
    if (pointId == null || pointId.isBlank()) {
      return points.get(0);
    }
    return points.stream()
        .filter(
            p ->
                pointId.equals(PointMaterializer.LATEST_APP_CONSISTENT)
                    ? p.appConsistent()
                    : p.id().equals(pointId))
        .findFirst()
        .orElseThrow(
            () ->
                new NotFoundException(
                    "item '"
                        + record.itemId()
                        + "' has no recovery point '"
                        + pointId
                        + "'; it holds "
                        + points.stream().map(PointRecord::id).toList()));
  }
}
