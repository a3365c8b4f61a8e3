package dev.haven.workflows.plans;

/** An operator releases manual step {@code stepId} of a run. */
public record ResumeRequest(String stepId) {}
