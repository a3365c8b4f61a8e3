package dev.haven.store;

/**
 * A replication policy (R9). {@code initialReplicationStart} is {@code immediately} or an ISO-8601
 * instant; {@code resyncWindow} and {@code replicaDeletion} hold the API's spellings; {@code
 * resyncTimeZone} is the zone id in which the resync window is read.
 */
public record Policy(
    String id,
    String name,
    int copyFrequencySeconds,
    int recoveryPointRetentionHours,
    int appConsistentFrequencyHours,
    String initialReplicationStart,
    String resyncWindow,
    boolean compression,
    boolean encryption,
    String replicaDeletion,
    long createdAt,
    long updatedAt,
    String resyncTimeZone) {}
