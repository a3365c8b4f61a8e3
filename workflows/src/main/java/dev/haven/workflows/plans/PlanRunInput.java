package dev.haven.workflows.plans;

/**
 * What a run of a plan is asked to do: fail every member over with {@code type} (planned, unplanned
 * or test) at {@code recoveryPoint}, for the items whose active site matches {@code direction}. The
 * API made the run's job ({@code jobId}) and its row.
 */
public record PlanRunInput(
    String runId,
    String jobId,
    String type,
    String direction,
    String recoveryPoint,
    PlanSpec plan) {}
