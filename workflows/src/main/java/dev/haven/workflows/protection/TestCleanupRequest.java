package dev.haven.workflows.protection;

/**
 * The clean-up of a test failover (R27): the job the API made, and the operator's verdict on the
 * drill ({@code passed} or {@code failed}) with optional notes, kept in the drill's report.
 */
public record TestCleanupRequest(String jobId, String verdict, String notes) {}
