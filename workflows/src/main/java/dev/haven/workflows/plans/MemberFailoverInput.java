package dev.haven.workflows.plans;

/** One VM's failover in a plan run: its item, the job id the run chose, type and point. */
public record MemberFailoverInput(
    String runId, String vmId, String itemId, String jobId, String type, String recoveryPoint) {}
