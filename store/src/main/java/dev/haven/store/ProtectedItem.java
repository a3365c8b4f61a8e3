package dev.haven.store;

/**
 * A protected VM (R10, R14) as the store knows it: the projection that its workflow keeps up to
 * date. {@code state} and {@code health} hold the API's spellings; times are epoch milliseconds.
 */
public record ProtectedItem(
    String id,
    String vmId,
    String pairingId,
    String sourceHostId,
    String targetHostId,
    String replicaVmId,
    String state,
    String health,
    Long lastAppliedSeq,
    Long lastRecoveryPointAt,
    Long pendingBytes,
    String lastError,
    String activeSiteId,
    String workflowId,
    long createdAt,
    long updatedAt) {}
