package dev.haven.workflows.protection;

import dev.haven.workflows.model.ItemState;

/** How a protected item's workflow ended. */
public record ProtectionResult(String itemId, ItemState finalState) {}
