package dev.haven.store;

/** A job (R28): one operation on an item, with its state and times (epoch milliseconds). */
public record Job(
    String id,
    String type,
    String itemId,
    String state,
    long createdAt,
    Long startedAt,
    Long endedAt,
    String workflowId,
    String error) {}
