package dev.haven.agent.vm;

import java.util.List;

/** What a new VM should look like: its name, CPUs, memory, disk sizes and networks. */
public record VmSpec(
    String name,
    int cpus,
    int memoryMiB,
    List<Long> diskSizeBytes,
    List<String> networks,
    String replicaOfItem) {}
