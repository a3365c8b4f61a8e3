package dev.haven.agent.vm;

import java.util.List;

/** A VM as the driver stores it in {@code vm.json}. */
public record VmRecord(
    String id,
    String name,
    int cpus,
    int memoryMiB,
    boolean poweredOn,
    List<VmDisk> disks,
    List<String> networks,
    String replicaOfItem) {}
