package dev.haven.store;

/**
 * One run of a recovery plan (R18): what was asked ({@code type}, {@code direction}, {@code
 * recoveryPoint}), the job and workflow that follow it, its state in the job spelling and the
 * report JSON its workflow last projected (null until the workflow first writes it); {@code error}
 * says why a run was closed from outside its workflow.
 */
public record PlanRun(
    String id,
    String planId,
    String jobId,
    String workflowId,
    String type,
    String direction,
    String recoveryPoint,
    String state,
    long createdAt,
    Long endedAt,
    String report,
    String error) {}
