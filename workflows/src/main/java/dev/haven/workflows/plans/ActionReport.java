package dev.haven.workflows.plans;

/**
 * What one action did. {@code state} is {@code pending}, {@code running}, {@code waiting} (a manual
 * step), {@code succeeded}, {@code warned} (failed under policy warn), {@code failed} or {@code
 * skipped} (the plan stopped first). Script actions carry the exit code and the kept output.
 */
public record ActionReport(
    String id,
    String kind,
    String phase,
    String hostId,
    String script,
    String onFailure,
    String state,
    Integer exitCode,
    String output,
    boolean outputTruncated,
    Long startedAt,
    Long endedAt,
    String error) {

  static ActionReport pending(PlanAction action, String phase) {
    return new ActionReport(
        action.id(),
        action.kind(),
        phase,
        action.hostId(),
        action.script(),
        action.onFailure(),
        "pending",
        null,
        null,
        false,
        null,
        null,
        null);
  }

  ActionReport started(String state, long at) {
    return new ActionReport(
        id, kind, phase, hostId, script, onFailure, state, null, null, false, at, null, null);
  }

  ActionReport ended(
      String state, Integer exitCode, String output, boolean truncated, long at, String error) {
    return new ActionReport(
        id, kind, phase, hostId, script, onFailure, state, exitCode, output, truncated, startedAt,
        at, error);
  }
}
