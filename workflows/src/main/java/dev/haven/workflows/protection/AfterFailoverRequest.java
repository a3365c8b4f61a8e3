package dev.haven.workflows.protection;

/**
 * An operator's decision on a failed-over item (R20, R24): commit, cancel or change the recovery
 * point. The job row already exists (the API made it). {@code recoveryPoint} is read only by a
 * change of recovery point: latest, latest-app-consistent or a recovery point id.
 */
public record AfterFailoverRequest(String jobId, String recoveryPoint) {}
