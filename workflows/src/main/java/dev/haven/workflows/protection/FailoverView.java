package dev.haven.workflows.protection;

/**
 * What the {@code failover} Query answers while an item is failed over: the kind of failover, the
 * VM running the workload at the target, the recovery point it started from, and when it commits by
 * itself (null: it waits for the operator). After a failback from a cloud site (R21) {@code
 * syncedBytes} is what the failback sent to bring that VM level with the cloud VM; null otherwise.
 */
public record FailoverView(
    String type,
    String vmId,
    String pointId,
    long pointSeq,
    Long autoCommitAtMillis,
    Long syncedBytes) {

  /** The view of a failover that synchronized nothing of its own (every failover but failback). */
  public FailoverView(
      String type, String vmId, String pointId, long pointSeq, Long autoCommitAtMillis) {
    this(type, vmId, pointId, pointSeq, autoCommitAtMillis, null);
  }
}
