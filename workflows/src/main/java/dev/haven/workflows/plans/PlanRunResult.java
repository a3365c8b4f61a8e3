package dev.haven.workflows.plans;

/** How a run ended: {@code succeeded}, {@code failed} or {@code cancelled}, with its report. */
public record PlanRunResult(String runId, String state, PlanRunReport report) {}
