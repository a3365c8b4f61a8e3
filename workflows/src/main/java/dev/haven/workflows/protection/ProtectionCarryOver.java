package dev.haven.workflows.protection;

import dev.haven.workflows.model.ItemState;

/**
 * The state that a {@link ProtectedItemWorkflow} hands to its next run when it continues as new, or
 * that the worker rebuilds from the store when it reconciles after a restart. Null on a fresh
 * protection.
 */
public record ProtectionCarryOver(
    ItemState state, String replicaVmId, long lastAppliedSeq, Long lastRecoveryPointMillis) {}
