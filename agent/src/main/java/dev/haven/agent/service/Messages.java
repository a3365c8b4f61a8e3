package dev.haven.agent.service;

import dev.haven.agent.replication.ReplicationRecord;
import dev.haven.agent.vm.VmRecord;
import dev.haven.protocol.Disk;
import dev.haven.protocol.DiskCopyState;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.Role;
import dev.haven.protocol.Vm;

/** Conversions from the agent's own records to the messages of agent.proto. */
final class Messages {
  private Messages() {}

  /** A VM; its disks carry NBD URIs while it is on. */
  static Vm vm(VmRecord vm, String nbdAddress) {
    Vm.Builder out =
        Vm.newBuilder()
            .setId(vm.id())
            .setName(vm.name())
            .setCpus(vm.cpus())
            .setMemoryMib(vm.memoryMiB())
            .setPowerState(vm.poweredOn() ? "on" : "off")
            .addAllNetworks(vm.networks())
            .setReplicaOfItem(vm.replicaOfItem() == null ? "" : vm.replicaOfItem());
    vm.disks()
        .forEach(
            disk ->
                out.addDisks(
                    Disk.newBuilder()
                        .setId(disk.id())
                        .setSizeBytes(disk.sizeBytes())
                        .setNbdUri(vm.poweredOn() ? "nbd://" + nbdAddress + "/" + disk.id() : "")));
    return out.build();
  }

  static ReplicationState state(ReplicationRecord record, long pendingBytes) {
    ReplicationState.Builder out =
        ReplicationState.newBuilder()
            .setItemId(record.itemId())
            .setRole(record.role() == ReplicationRecord.Role.SOURCE ? Role.SOURCE : Role.TARGET)
            .setVmId(record.vmId())
            .setPeerAddress(record.peerAddress() == null ? "" : record.peerAddress())
            .setLastSealedSeq(record.lastSealedSeq())
            .setLastAckedSeq(record.lastAckedSeq())
            .setLastAppliedSeq(record.lastAppliedSeq())
            .setPendingBytes(pendingBytes)
            .setActive(record.active());
    record
        .disks()
        .forEach(
            pair ->
                out.addDisks(
                    DiskMapping.newBuilder()
                        .setSourceDiskId(pair.sourceDiskId())
                        .setReplicaDiskId(pair.replicaDiskId())));
    record
        .copies()
        .forEach(
            copy ->
                out.addCopies(
                    DiskCopyState.newBuilder()
                        .setDiskId(copy.diskId())
                        .setNextChunk(copy.nextChunk())
                        .setTotalChunks(copy.totalChunks())
                        .setDone(copy.done())));
    return out.build();
  }

  static RecoveryPoint point(ReplicationRecord.PointRecord point) {
    return RecoveryPoint.newBuilder()
        .setId(point.id())
        .setSeq(point.seq())
        .setCreatedAtMillis(point.createdAtMillis())
        .setAppConsistent(point.appConsistent())
        .build();
  }
}
