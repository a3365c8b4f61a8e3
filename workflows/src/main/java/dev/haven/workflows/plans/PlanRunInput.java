package dev.haven.workflows.plans;

/**
 * What a run of a plan is asked to do: fail every member over with {@code type} (planned, unplanned
 * or test) at {@code recoveryPoint}, for the items whose active site matches {@code direction}; or,
 * with type {@link #TEST_CLEANUP}, clean up the test failovers of the plan's members, in reverse
 * group order, keeping the operator's {@code verdict} and {@code notes} in every member's drill
 * report. The API made the run's job ({@code jobId}) and its row.
 */
public record PlanRunInput(
    String runId,
    String jobId,
    String type,
    String direction,
    String recoveryPoint,
    PlanSpec plan,
    String verdict,
    String notes) {

  /** The run type that cleans up a plan's test failover (R27). */
  public static final String TEST_CLEANUP = "test-cleanup";

  /** A failover run, with no verdict. */
  public PlanRunInput(
      String runId,
      String jobId,
      String type,
      String direction,
      String recoveryPoint,
      PlanSpec plan) {
    this(runId, jobId, type, direction, recoveryPoint, plan, null, null);
  }

  /** Whether this run cleans up test failovers rather than failing over. */
  public boolean cleansUp() {
    return TEST_CLEANUP.equals(type);
  }
}
