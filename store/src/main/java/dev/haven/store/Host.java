package dev.haven.store;

/** A registered host (R3) of a site and the gRPC address of its agent. */
public record Host(String id, String siteId, String name, String agentAddress, long createdAt) {}
