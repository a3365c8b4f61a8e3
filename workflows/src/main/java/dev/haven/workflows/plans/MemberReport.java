package dev.haven.workflows.plans;

/**
 * What became of one VM of a plan. {@code state} is {@code pending}, {@code running}, {@code
 * succeeded}, {@code failed}, {@code skipped} (no protected item for the direction, or the plan
 * stopped first) or {@code cancelled}. {@code dataLossWindowMillis} is the time between the
 * recovery point used and the start of the failover (0 when the point was made during it, as a
 * planned failover does).
 */
public record MemberReport(
    String vmId,
    String itemId,
    String jobId,
    String state,
    String recoveryPoint,
    Long recoveryPointAt,
    Long dataLossWindowMillis,
    Long startedAt,
    Long endedAt,
    Long durationMillis,
    String error) {

  static MemberReport pending(String vmId) {
    return new MemberReport(vmId, null, null, "pending", null, null, null, null, null, null, null);
  }

  MemberReport with(String state, String itemId, String jobId, String error) {
    return new MemberReport(
        vmId,
        itemId,
        jobId,
        state,
        recoveryPoint,
        recoveryPointAt,
        dataLossWindowMillis,
        startedAt,
        endedAt,
        durationMillis,
        error);
  }
}
