package dev.haven.workflows.protection;

/**
 * An operator's pause, resume or disable (issue 5 point 8), with the job the API made for it.
 * {@code deleteReplica} matters to disable only: the policy's {@code replicaDeletion} says whether
 * the replica VM is deleted or kept.
 */
public record LifecycleRequest(String jobId, boolean deleteReplica) {}
