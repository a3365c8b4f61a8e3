package dev.haven.agent.service;

import dev.haven.agent.PreconditionException;
import dev.haven.agent.changelog.Checksums;
import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.replication.ReplicationRecord;
import dev.haven.agent.replication.ReplicationStateStore;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.Hypervisor;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import dev.haven.protocol.HashDiskResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.function.Consumer;

/**
 * Power and disk hashing, with the rules that protect replication: a replica VM cannot be powered
 * on while its item still replicates into it, since a running guest would make it diverge.
 */
final class VmOperations {
  private static final int HASH_PIECE = 1 << 20;

  private final FileVmDriver driver;
  private final ReplicationStateStore store;
  private final Consumer<String> closeExport;
  private final Hypervisor hypervisor;

  /**
   * {@code closeExport} disconnects the NBD clients of one disk; {@code hypervisor} runs the guest
   * of a powered-on VM.
   */
  VmOperations(
      FileVmDriver driver,
      ReplicationStateStore store,
      Consumer<String> closeExport,
      Hypervisor hypervisor) {
    this.driver = driver;
    this.store = store;
    this.closeExport = closeExport;
    this.hypervisor = hypervisor;
  }

  VmRecord setPower(String vmId, boolean on) throws IOException {
    VmRecord vm = driver.require(vmId);
    if (!on) {
      // The guest shuts down first, writing its last blocks to the still-exported disks.
      hypervisor.stop(vmId);
      VmRecord off = driver.setPower(vmId, false);
      // Now that the disks resolve to nothing, drop the clients still connected and make what
      // they wrote last durable.
      for (VmDisk disk : vm.disks()) {
        closeExport.accept(disk.id());
        driver.device(vmId, disk.id()).flush();
      }
      return off;
    }
    for (ReplicationRecord record : store.all()) {
      if (record.active()
          && record.role() == ReplicationRecord.Role.TARGET
          && record.vmId().equals(vmId)) {
        throw new PreconditionException(
            "VM '"
                + vmId
                + "' is the replica of item '"
                + record.itemId()
                + "', which is still replicating into it; stop replication (fail over) before"
                + " powering it on");
      }
    }
    VmRecord running = driver.setPower(vmId, true);
    try {
      hypervisor.start(running);
    } catch (IOException | RuntimeException e) {
      // A guest that cannot start leaves the VM off, as it was.
      driver.setPower(vmId, false);
      for (VmDisk disk : vm.disks()) {
        closeExport.accept(disk.id());
      }
      throw e;
    }
    return running;
  }

  /** Powers the VM off and deletes it; refused while it is an active replication's replica. */
  boolean delete(String vmId) throws IOException {
    if (driver.find(vmId).isEmpty()) {
      return false;
    }
    for (ReplicationRecord record : store.all()) {
      if (record.active() && record.vmId().equals(vmId)) {
        throw new PreconditionException(
            "VM '"
                + vmId
                + "' still replicates for item '"
                + record.itemId()
                + "'; stop replication before deleting it");
      }
    }
    setPower(vmId, false);
    return driver.delete(vmId);
  }

  /** SHA-256 over every byte of a disk, holes read as zeros. */
  HashDiskResponse hash(String vmId, String diskId) throws IOException {
    BlockDevice device = driver.device(vmId, diskId);
    MessageDigest digest = Checksums.sha256();
    ByteBuffer buffer = ByteBuffer.allocate(HASH_PIECE);
    long size = device.size();
    for (long at = 0; at < size; at += HASH_PIECE) {
      buffer.clear().limit((int) Math.min(HASH_PIECE, size - at));
      device.read(at, buffer);
      buffer.flip();
      digest.update(buffer);
    }
    return HashDiskResponse.newBuilder()
        .setSha256(Checksums.hex(digest.digest()))
        .setSizeBytes(size)
        .build();
  }
}
