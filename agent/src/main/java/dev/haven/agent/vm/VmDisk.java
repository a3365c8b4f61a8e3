package dev.haven.agent.vm;

import java.nio.file.Path;

/** One virtual disk of a VM: its id (also its NBD export name), size and raw image file. */
public record VmDisk(String id, long sizeBytes, Path image) {}
