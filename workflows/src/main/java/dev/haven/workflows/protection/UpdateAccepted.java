package dev.haven.workflows.protection;

/** The answer to an accepted Update: the job that now follows the operation. */
public record UpdateAccepted(String jobId) {}
