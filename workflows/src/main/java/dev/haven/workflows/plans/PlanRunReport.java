package dev.haven.workflows.plans;

import java.util.List;

/**
 * The report every run leaves (R18): the overall state in the job spelling, the error that ended
 * it, and per group the actions' results and output and the VMs' outcomes.
 */
public record PlanRunReport(
    String runId,
    String planId,
    String planName,
    String jobId,
    String type,
    String direction,
    String recoveryPoint,
    String state,
    Long startedAt,
    Long endedAt,
    String error,
    int warnings,
    List<GroupReport> groups) {}
