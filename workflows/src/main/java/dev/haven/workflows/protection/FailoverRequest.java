package dev.haven.workflows.protection;

/**
 * An operator's request to fail a protected item over. {@code type} is planned, unplanned or test;
 * {@code recoveryPoint} is latest, latest-app-consistent or a recovery point id. The job row
 * already exists (the API made it), so the workflow only records its steps.
 */
public record FailoverRequest(String jobId, String type, String recoveryPoint) {}
