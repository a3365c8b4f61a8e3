package dev.haven.workflows.protection;

/**
 * The replication policy (R9) as a running item applies it; sent by the {@code updatePolicy} Update
 * when an operator changes the policy. The copy frequency takes effect from the next cycle.
 */
public record PolicySettings(
    String policyId,
    int copyFrequencySeconds,
    int recoveryPointRetentionHours,
    int appConsistentFrequencyHours,
    String resyncWindow,
    String resyncTimeZone,
    String replicaDeletion) {}
