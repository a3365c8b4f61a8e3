package dev.haven.agent.vm;

import java.nio.file.Path;
import java.util.List;

/**
 * The content of {@code vm.json}. Image paths are not stored: an image is always {@code
 * <diskId>.img} beside the file, so a data folder can be moved. {@code staticIp} and {@code
 * publicIp} are set on a failed-over VM when the failover asked for them (R19), null otherwise.
 */
record VmFile(
    int version,
    String id,
    String name,
    int cpus,
    int memoryMiB,
    boolean poweredOn,
    List<DiskFile> disks,
    List<String> networks,
    String replicaOfItem,
    long createdAtMillis,
    String staticIp,
    String publicIp) {

  /** One disk in {@code vm.json}. */
  record DiskFile(String id, long sizeBytes) {}

  VmFile withPower(boolean on) {
    return new VmFile(
        version,
        id,
        name,
        cpus,
        memoryMiB,
        on,
        disks,
        networks,
        replicaOfItem,
        createdAtMillis,
        staticIp,
        publicIp);
  }

  /** R19: the addresses a failed-over VM is to have at the target; null for none. */
  VmFile withAddresses(String newStaticIp, String newPublicIp) {
    return new VmFile(
        version,
        id,
        name,
        cpus,
        memoryMiB,
        poweredOn,
        disks,
        networks,
        replicaOfItem,
        createdAtMillis,
        newStaticIp,
        newPublicIp);
  }

  VmRecord toRecord(Path folder) {
    List<VmDisk> vmDisks =
        disks.stream()
            .map(d -> new VmDisk(d.id(), d.sizeBytes(), folder.resolve(d.id() + ".img")))
            .toList();
    return new VmRecord(
        id,
        name,
        cpus,
        memoryMiB,
        poweredOn,
        vmDisks,
        networks == null ? List.of() : List.copyOf(networks),
        replicaOfItem == null ? "" : replicaOfItem);
  }
}
