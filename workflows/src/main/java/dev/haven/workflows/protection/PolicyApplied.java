package dev.haven.workflows.protection;

/** The answer to an accepted {@code updatePolicy}: the copy frequency the next cycle uses. */
public record PolicyApplied(String itemId, int copyFrequencySeconds) {}
