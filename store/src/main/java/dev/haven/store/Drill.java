package dev.haven.store;

/**
 * The report of one test failover of an item (R27): the job that started it, the test VM, the
 * recovery point it started from, when it started and, once cleaned up, when it ended, how long it
 * ran, the operator's verdict ({@code passed} or {@code failed}, or none) and notes, and the
 * clean-up's job. {@code endedAt} is null while the drill runs.
 */
public record Drill(
    String jobId,
    String itemId,
    String testVmId,
    String pointId,
    long pointSeq,
    long startedAt,
    Long endedAt,
    Long durationMillis,
    String verdict,
    String notes,
    String cleanupJobId) {

  public boolean running() {
    return endedAt == null;
  }
}
