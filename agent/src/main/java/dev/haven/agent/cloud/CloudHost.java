package dev.haven.agent.cloud;

import dev.haven.agent.NotFoundException;
import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import dev.haven.agent.vm.VmSpec;
import dev.haven.cloud.layout.DiskManifest;
import dev.haven.cloud.layout.PointManifest;
import dev.haven.cloud.replica.CloudReplica;
import dev.haven.cloud.replica.ItemDeletion;
import dev.haven.cloud.replica.Materializer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cloud site's compute, used only at failover (and test failover): lists an item's points in
 * the object store and builds a VM at one of them. The VM is created powered off with the disks'
 * sizes, each disk is rebuilt from the objects into the VM's raw sparse image ({@link
 * Materializer}, parallel fetches, every object verified) before any device opens it, and the VM's
 * disks are then served over NBD like any other VM's. A refused object deletes the half-made VM and
 * names the object.
 */
public final class CloudHost {
  private final FileVmDriver driver;
  private final CloudStores stores;
  private final MaterializeRequests requests;

  /** {@code dataDir}: the agent's folder, which keeps the ledger of builds per request. */
  public CloudHost(FileVmDriver driver, CloudStores stores, Path dataDir) {
    this.driver = driver;
    this.stores = stores;
    this.requests = new MaterializeRequests(dataDir.resolve("cloud-requests"));
  }

  /** The item's points in the store, oldest first. */
  public List<PointManifest> points(String location, String itemId) throws IOException {
    CloudReplica replica = stores.replica(location, itemId);
    List<PointManifest> points = new ArrayList<>();
    for (long seq : replica.pointSeqs()) {
      points.add(replica.manifest(seq));
    }
    return points;
  }

  /** A VM built at a point, with each disk's SHA-256. */
  public record Built(PointManifest point, VmRecord vm, List<String> diskSha256) {}

  /**
   * What to build: the item's point {@code pointId} ("rp-N", empty for the newest, or
   * latest-app-consistent) from the store at {@code location}, as a VM named {@code name} (empty:
   * item and point) on {@code networks}, with {@code publicIp} when not empty.
   */
  public record Build(
      String location,
      String itemId,
      String pointId,
      String name,
      int cpus,
      int memoryMiB,
      List<String> networks,
      String publicIp) {}

  /**
   * Builds a new VM as {@code b} says. The same non-empty {@code requestId} again answers the VM
   * built for it the first time (at the same point), or, if that build never finished, deletes what
   * it left and builds anew.
   */
  public Built materialize(String requestId, Build b) throws IOException {
    if (requestId == null || requestId.isBlank()) {
      return build(null, b);
    }
    var lock = requests.lock(requestId);
    try {
      var earlier = requests.find(requestId);
      if (earlier.isPresent()) {
        var vm = driver.find(earlier.get().vmId());
        if (vm.isPresent() && earlier.get().built()) {
          CloudReplica replica = stores.replica(b.location(), b.itemId());
          List<String> hashes = new ArrayList<>();
          for (VmDisk disk : vm.get().disks()) {
            hashes.add(Checksums.sha256(disk.image()));
          }
          return new Built(replica.manifest(earlier.get().pointSeq()), vm.get(), hashes);
        }
        if (vm.isPresent()) {
          driver.delete(vm.get().id());
        }
      }
      return build(requestId, b);
    } finally {
      lock.unlock();
    }
  }

  private Built build(String requestId, Build b) throws IOException {
    String itemId = b.itemId();
    CloudReplica replica = stores.replica(b.location(), itemId);
    PointManifest point = choose(points(b.location(), itemId), itemId, b.pointId());
    List<Long> sizes = point.disks().stream().map(DiskManifest::sizeBytes).toList();
    VmRecord vm =
        driver.create(
            new VmSpec(
                b.name() == null || b.name().isBlank() ? itemId + "-" + point.pointId() : b.name(),
                Math.max(1, b.cpus()),
                Math.max(1, b.memoryMiB()),
                sizes,
                b.networks(),
                ""));
    try {
      if (requestId != null) {
        requests.record(requestId, new MaterializeRequests.Entry(vm.id(), point.seq(), false));
      }
      Materializer materializer =
          new Materializer(replica, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
      List<String> hashes = new ArrayList<>();
      for (int i = 0; i < point.disks().size(); i++) {
        VmDisk disk = vm.disks().get(i);
        materializer.materialize(point.disks().get(i), disk.image());
        hashes.add(Checksums.sha256(disk.image()));
      }
      if (b.publicIp() != null && !b.publicIp().isBlank()) {
        driver.setAddresses(vm.id(), "", b.publicIp());
      }
      if (requestId != null) {
        requests.record(requestId, new MaterializeRequests.Entry(vm.id(), point.seq(), true));
      }
      return new Built(point, driver.require(vm.id()), hashes);
    } catch (IOException | RuntimeException e) {
      driver.delete(vm.id());
      throw e;
    }
  }

  /**
   * Deletes every object of {@code itemId} from the store at {@code location} (disable with replica
   * deletion); answers how many there were. Idempotent.
   */
  public long deleteItem(String location, String itemId) throws IOException {
    return ItemDeletion.delete(stores.store(location), itemId);
  }

  static PointManifest choose(List<PointManifest> points, String itemId, String pointId) {
    if (points.isEmpty()) {
      throw new NotFoundException("item '" + itemId + "' has no recovery point in the cloud site");
    }
    if (pointId == null || pointId.isBlank() || pointId.equals("latest")) {
      return points.get(points.size() - 1);
    }
    if (pointId.equals("latest-app-consistent")) {
      for (int i = points.size() - 1; i >= 0; i--) {
        if (points.get(i).appConsistent()) {
          return points.get(i);
        }
      }
      throw new NotFoundException("item '" + itemId + "' has no app-consistent point in the cloud");
    }
    return points.stream()
        .filter(p -> p.pointId().equals(pointId))
        .findFirst()
        .orElseThrow(
            () ->
                new NotFoundException(
                    "item '" + itemId + "' has no point '" + pointId + "' in the cloud site"));
  }
}
