package dev.haven.workflows.model;

/**
 * Where one side of a replication relationship lives: the host, its site and the address of its
 * agent's gRPC endpoint.
 */
public record HostRef(String hostId, String siteId, String agentAddress) {}
