package dev.haven.workflows.protection;

import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;

/** What the status Query of a {@link ProtectedItemWorkflow} answers (R14). */
public record ItemStatus(
    String itemId,
    ItemState state,
    Health health,
    String replicaVmId,
    long lastAppliedSeq,
    Long lastRecoveryPointMillis,
    long pendingBytes,
    String lastError) {}
