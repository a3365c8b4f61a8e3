package dev.haven.workflows.plans;

import java.util.List;

/**
 * A pre or post action of a plan group (R18). {@code kind} is {@code script} (run {@code script}
 * from the scripts folder of host {@code hostId}, whose agent answers at {@code agentAddress}) or
 * {@code manual} (wait until an operator resumes step {@code id}); {@code onFailure} is {@code
 * abort} (the plan stops) or {@code warn} (the failure is reported and the plan goes on).
 */
public record PlanAction(
    String id,
    String kind,
    String hostId,
    String agentAddress,
    String script,
    List<String> args,
    int timeoutSeconds,
    String message,
    String onFailure) {

  public static final String SCRIPT = "script";
  public static final String MANUAL = "manual";
  public static final String ABORT = "abort";
  public static final String WARN = "warn";

  boolean aborts() {
    return !WARN.equals(onFailure);
  }
}
