package dev.haven.workflows.protection;

/**
 * What a successful failover left running at the target until the operator commits or cancels it
 * (R20): the kind of failover, the VM that runs the workload, and the recovery point it holds. A
 * planned failover runs the replica itself; an unplanned one runs a copy of the replica at the
 * chosen point, so that the replica and all its points stay for a change of point or a cancel.
 */
final class FailedOver {
  final String type;
  final String jobId;

  /** The VM that runs the workload at the target now. */
  String vmId;

  /** The recovery point that VM started from: an id, or latest for a planned failover. */
  String pointId;

  /** The sequence of that point; 0 for a planned failover, which carries every last write. */
  long pointSeq;

  /** The failover's request, whose addresses a rebuilt VM gets too (R19). */
  FailoverRequest request;

  /** R21: the bytes a failback from a cloud site sent; null for every other failover. */
  Long syncedBytes;

  /** When the failover commits by itself (workflow time); null when it waits for the operator. */
  Long autoCommitAtMillis;

  FailedOver(String type, String jobId, String vmId, String pointId, long pointSeq) {
    this.type = type;
    this.jobId = jobId;
    this.vmId = vmId;
    this.pointId = pointId;
    this.pointSeq = pointSeq;
  }

  boolean planned() {
    return FailoverRules.PLANNED.equals(type);
  }

  FailoverView view() {
    return new FailoverView(type, vmId, pointId, pointSeq, autoCommitAtMillis, syncedBytes);
  }
}
