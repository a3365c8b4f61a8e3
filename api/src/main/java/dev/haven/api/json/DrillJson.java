package dev.haven.api.json;

import dev.haven.store.Drill;

/**
 * One test failover of an item as the API shows it (R27): the job that started it, its test VM, the
 * recovery point it started from, when it started and ended (ISO-8601 UTC; {@code endedAt} null
 * while it runs), its duration, the operator's verdict and notes, and the clean-up's job. {@code
 * startedAtMillis} keeps the spelling the first version of this resource had.
 */
public record DrillJson(
    String jobId,
    String testVmId,
    String pointId,
    long pointSeq,
    String startedAt,
    String endedAt,
    long startedAtMillis,
    Long durationMillis,
    String verdict,
    String notes,
    String cleanupJobId,
    boolean running) {

  public static DrillJson of(Drill d) {
    return new DrillJson(
        d.jobId(),
        d.testVmId(),
        d.pointId(),
        d.pointSeq(),
        Times.iso(d.startedAt()),
        Times.iso(d.endedAt()),
        d.startedAt(),
        d.durationMillis(),
        d.verdict(),
        d.notes(),
        d.cleanupJobId(),
        d.running());
  }
}
