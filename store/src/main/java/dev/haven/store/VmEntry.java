package dev.haven.store;

/**
 * One entry of the VM directory: which host holds VM {@code id}. The agent owns the VM itself;
 * {@code seenAt} is when an agent last listed it.
 */
public record VmEntry(String id, String hostId, String name, long seenAt) {}
