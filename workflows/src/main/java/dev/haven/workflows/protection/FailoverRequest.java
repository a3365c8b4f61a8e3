package dev.haven.workflows.protection;

/**
 * An operator's request to fail a protected item over. {@code type} is planned, unplanned or test;
 * {@code recoveryPoint} is latest, latest-app-consistent or a recovery point id. The job row
 * already exists (the API made it), so the workflow only records its steps. {@code
 * autoCommitSeconds}, when set, commits the failover by itself that long after it succeeded unless
 * the operator commits, cancels or changes the point first (R20); null waits for the operator.
 */
public record FailoverRequest(
    String jobId, String type, String recoveryPoint, Integer autoCommitSeconds) {

  /** A failover that waits for the operator's commit. */
  public FailoverRequest(String jobId, String type, String recoveryPoint) {
    this(jobId, type, recoveryPoint, null);
  }
}
