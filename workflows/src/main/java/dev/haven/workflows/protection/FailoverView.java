package dev.haven.workflows.protection;

/**
 * What the {@code failover} Query answers while an item is failed over: the kind of failover, the
 * VM running the workload at the target, the recovery point it started from, and when it commits by
 * itself (null: it waits for the operator).
 */
public record FailoverView(
    String type, String vmId, String pointId, long pointSeq, Long autoCommitAtMillis) {}
