package dev.haven.agent.vm;

import dev.haven.agent.NotFoundException;
import dev.haven.agent.changelog.DiskChangeLogs;
import dev.haven.agent.disk.TrackedDisk;
import dev.haven.agent.io.AtomicFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in, file-backed hypervisor driver: each VM is a folder {@code <dataDir>/vms/<vmId>}
 * with {@code vm.json} and one raw, sparse image {@code <diskId>.img} per disk; the disks' change
 * logs sit beside the images. {@code vm.json} is always replaced atomically.
 */
public final class FileVmDriver implements VmDriver {
  private static final Logger LOG = LoggerFactory.getLogger(FileVmDriver.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String VM_FILE = "vm.json";

  private final Path vmsDir;
  private final Map<String, VmFile> vms = new HashMap<>();
  private final Map<String, TrackedDisk> devices = new HashMap<>();
  private final Set<String> trackedVms = new HashSet<>();

  /** Opens (or makes) the VM folders under {@code dataDir}. */
  public FileVmDriver(Path dataDir) throws IOException {
    this.vmsDir = dataDir.resolve("vms");
    Files.createDirectories(vmsDir);
    try (DirectoryStream<Path> folders = Files.newDirectoryStream(vmsDir)) {
      for (Path folder : folders) {
        Path file = folder.resolve(VM_FILE);
        if (Files.isRegularFile(file)) {
          VmFile vm = AtomicFiles.readJson(file, VmFile.class);
          vms.put(vm.id(), vm);
        } else if (Files.isDirectory(folder)) {
          // A create that stopped before writing vm.json: the VM never existed.
          LOG.warn("ignoring {}: it has no {}", folder, VM_FILE);
        }
      }
    }
  }

  @Override
  public synchronized VmRecord create(VmSpec spec) throws IOException {
    validate(spec);
    String vmId = newId("vm-", vms.keySet());
    Set<String> diskIds = new HashSet<>();
    vms.values().forEach(vm -> vm.disks().forEach(d -> diskIds.add(d.id())));
    Path folder = vmsDir.resolve(vmId);
    Files.createDirectories(folder);
    List<VmFile.DiskFile> disks = new ArrayList<>();
    for (long size : spec.diskSizeBytes()) {
      String diskId = newId("disk-", diskIds);
      diskIds.add(diskId);
      Path imageFile = folder.resolve(diskId + ".img");
      Files.deleteIfExists(imageFile);
      try (RandomAccessFile image = new RandomAccessFile(imageFile.toFile(), "rw")) {
        // setLength makes a sparse file: no block is allocated until a guest writes it.
        image.setLength(size);
        image.getFD().sync();
      }
      disks.add(new VmFile.DiskFile(diskId, size));
    }
    VmFile vm =
        new VmFile(
            1,
            vmId,
            spec.name(),
            spec.cpus(),
            spec.memoryMiB(),
            false,
            List.copyOf(disks),
            spec.networks() == null ? List.of() : List.copyOf(spec.networks()),
            spec.replicaOfItem() == null ? "" : spec.replicaOfItem(),
            System.currentTimeMillis(),
            null,
            null);
    AtomicFiles.writeJson(folder.resolve(VM_FILE), vm);
    vms.put(vmId, vm);
    return vm.toRecord(folder);
  }

  private static void validate(VmSpec spec) {
    if (spec.name() == null || spec.name().isBlank()) {
      throw new IllegalArgumentException("name must not be empty");
    }
    if (spec.cpus() < 1) {
      throw new IllegalArgumentException("cpus must be at least 1, got " + spec.cpus());
    }
    if (spec.memoryMiB() < 1) {
      throw new IllegalArgumentException("memory_mib must be at least 1, got " + spec.memoryMiB());
    }
    if (spec.diskSizeBytes() == null || spec.diskSizeBytes().isEmpty()) {
      throw new IllegalArgumentException("disk_size_bytes must name at least one disk");
    }
    for (long size : spec.diskSizeBytes()) {
      if (size <= 0) {
        throw new IllegalArgumentException("disk_size_bytes must be positive, got " + size);
      }
    }
  }

  @Override
  public synchronized List<VmRecord> list() {
    return vms.values().stream()
        .sorted(Comparator.comparingLong(VmFile::createdAtMillis).thenComparing(VmFile::id))
        .map(vm -> vm.toRecord(vmsDir.resolve(vm.id())))
        .toList();
  }

  @Override
  public synchronized Optional<VmRecord> find(String vmId) {
    VmFile vm = vms.get(vmId);
    return vm == null ? Optional.empty() : Optional.of(vm.toRecord(vmsDir.resolve(vmId)));
  }

  /** The VM with {@code vmId}, or {@link NotFoundException} naming it. */
  public synchronized VmRecord require(String vmId) {
    return find(vmId).orElseThrow(() -> new NotFoundException("VM '" + vmId + "' does not exist"));
  }

  /** The VM that has a disk with {@code diskId}. */
  public synchronized Optional<VmRecord> findByDisk(String diskId) {
    for (VmFile vm : vms.values()) {
      for (VmFile.DiskFile disk : vm.disks()) {
        if (disk.id().equals(diskId)) {
          return Optional.of(vm.toRecord(vmsDir.resolve(vm.id())));
        }
      }
    }
    return Optional.empty();
  }

  /** The folder of a VM, where its images and change logs are. */
  public Path folder(String vmId) {
    require(vmId);
    return vmsDir.resolve(vmId);
  }

  @Override
  public synchronized VmRecord setPower(String vmId, boolean on) throws IOException {
    VmFile vm = vms.get(vmId);
    if (vm == null) {
      throw new NotFoundException("VM '" + vmId + "' does not exist");
    }
    if (!on) {
      flush(vm);
    }
    if (vm.poweredOn() != on) {
      vm = vm.withPower(on);
      AtomicFiles.writeJson(vmsDir.resolve(vmId).resolve(VM_FILE), vm);
      vms.put(vmId, vm);
    }
    return vm.toRecord(vmsDir.resolve(vmId));
  }

  /**
   * R19: records the static and public address that a failed-over VM is to have in its {@code
   * vm.json}; null clears one.
   */
  public synchronized void setAddresses(String vmId, String staticIp, String publicIp)
      throws IOException {
    VmFile vm = vms.get(vmId);
    if (vm == null) {
      throw new NotFoundException("VM '" + vmId + "' does not exist");
    }
    vm = vm.withAddresses(staticIp, publicIp);
    AtomicFiles.writeJson(vmsDir.resolve(vmId).resolve(VM_FILE), vm);
    vms.put(vmId, vm);
  }

  /**
   * Deletes a VM: closes its devices and removes its folder (images, change logs, vm.json). False
   * when the VM did not exist.
   */
  public synchronized boolean delete(String vmId) throws IOException {
    VmFile vm = vms.remove(vmId);
    if (vm == null) {
      return false;
    }
    trackedVms.remove(vmId);
    for (VmFile.DiskFile disk : vm.disks()) {
      TrackedDisk device = devices.remove(disk.id());
      if (device != null) {
        device.close();
      }
    }
    Path folder = vmsDir.resolve(vmId);
    if (java.nio.file.Files.exists(folder)) {
      try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(folder)) {
        for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.deleteIfExists(path);
        }
      }
    }
    return true;
  }

  private void flush(VmFile vm) throws IOException {
    for (VmFile.DiskFile disk : vm.disks()) {
      TrackedDisk device = devices.get(disk.id());
      if (device != null) {
        device.flush();
      }
    }
  }

  @Override
  public synchronized TrackedDisk device(String vmId, String diskId) throws IOException {
    VmFile vm = vms.get(vmId);
    if (vm == null) {
      throw new NotFoundException("VM '" + vmId + "' does not exist");
    }
    VmFile.DiskFile disk =
        vm.disks().stream()
            .filter(d -> d.id().equals(diskId))
            .findFirst()
            .orElseThrow(
                () -> new NotFoundException("VM '" + vmId + "' has no disk '" + diskId + "'"));
    TrackedDisk device = devices.get(diskId);
    if (device == null) {
      Path image = vmsDir.resolve(vmId).resolve(diskId + ".img");
      device = TrackedDisk.open(image, disk.sizeBytes(), diskId);
      device.logs().setTracking(trackedVms.contains(vmId));
      devices.put(diskId, device);
    }
    return device;
  }

  @Override
  public DiskChangeLogs changeLogs(String vmId, String diskId) throws IOException {
    return device(vmId, diskId).logs();
  }

  /**
   * Starts or stops recording the guest writes of every disk of a VM in its change logs. Tracking
   * is not persisted here: the agent turns it on at start for every VM it replicates.
   */
  public synchronized void setTracking(String vmId, boolean on) throws IOException {
    VmFile vm = vms.get(vmId);
    if (vm == null) {
      throw new NotFoundException("VM '" + vmId + "' does not exist");
    }
    if (on) {
      trackedVms.add(vmId);
    } else {
      trackedVms.remove(vmId);
    }
    for (VmFile.DiskFile disk : vm.disks()) {
      device(vmId, disk.id()).logs().setTracking(on);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    IOException first = null;
    for (TrackedDisk device : devices.values()) {
      try {
        device.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    devices.clear();
    if (first != null) {
      throw first;
    }
  }

  private static String newId(String prefix, Set<String> taken) {
    while (true) {
      byte[] bytes = new byte[4];
      RANDOM.nextBytes(bytes);
      String id = prefix + HexFormat.of().formatHex(bytes);
      if (!taken.contains(id)) {
        return id;
      }
    }
  }
}
