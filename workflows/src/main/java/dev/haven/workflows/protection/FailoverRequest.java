package dev.haven.workflows.protection;

import dev.haven.workflows.model.HostRef;

/**
 * An operator's request to fail a protected item over. {@code type} is planned, unplanned or test;
 * {@code recoveryPoint} is latest, latest-app-consistent or a recovery point id. The job row
 * already exists (the API made it), so the workflow only records its steps. {@code
 * autoCommitSeconds}, when set, commits the failover by itself that long after it succeeded unless
 * the operator commits, cancels or changes the point first (R20); null waits for the operator.
 * {@code staticIp} and {@code publicIp}, when set, are recorded on the VM that runs at the target
 * before it starts (R19). {@code alternateHost}, for a failback from a cloud site only (R21), is
 * the host where a new VM is built instead of bringing the original VM level again; null for the
 * original.
 */
public record FailoverRequest(
    String jobId,
    String type,
    String recoveryPoint,
    Integer autoCommitSeconds,
    String staticIp,
    String publicIp,
    HostRef alternateHost) {

  /** A failover towards the item's other site, with optional commit timer and addresses. */
  public FailoverRequest(
      String jobId,
      String type,
      String recoveryPoint,
      Integer autoCommitSeconds,
      String staticIp,
      String publicIp) {
    this(jobId, type, recoveryPoint, autoCommitSeconds, staticIp, publicIp, null);
  }

  /** A failover that waits for the operator's commit. */
  public FailoverRequest(String jobId, String type, String recoveryPoint) {
    this(jobId, type, recoveryPoint, null, null, null);
  }

  /** A failover with an optional commit timer and no addresses. */
  public FailoverRequest(
      String jobId, String type, String recoveryPoint, Integer autoCommitSeconds) {
    this(jobId, type, recoveryPoint, autoCommitSeconds, null, null);
  }

  boolean setsAddresses() {
    return staticIp != null || publicIp != null;
  }
}
