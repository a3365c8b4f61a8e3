package dev.haven.store;

/**
 * A recovery plan (R18) as stored: its name and the validated plan JSON ({@code body}); times are
 * epoch milliseconds.
 */
public record RecoveryPlan(String id, String name, String body, long createdAt, long updatedAt) {}
