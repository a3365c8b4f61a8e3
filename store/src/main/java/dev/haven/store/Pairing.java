package dev.haven.store;

/**
 * A site pairing (R8, R9): VMs of the source site replicate to the target site under the policy.
 * Its network mappings are rows of their own, read with {@link PairingDao#networkMappings}.
 */
public record Pairing(
    String id, String sourceSiteId, String targetSiteId, String policyId, long createdAt) {}
