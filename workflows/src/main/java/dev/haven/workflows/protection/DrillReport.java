package dev.haven.workflows.protection;

/**
 * The report of one test failover (R27): the point the test VM started from, when it started, how
 * long the drill ran until its clean-up, and the operator's verdict and notes given at clean-up.
 */
public record DrillReport(
    String jobId,
    String testVmId,
    String pointId,
    long pointSeq,
    long startedAtMillis,
    long durationMillis,
    String verdict,
    String notes,
    String cleanupJobId) {}
