package dev.haven.workflows.plans;

/**
 * One VM's failover in a plan run: its item, the job id the run chose, type and point. With type
 * {@link PlanRunInput#TEST_CLEANUP} it is the clean-up of the item's test failover instead, with
 * the operator's {@code verdict} and {@code notes} for the drill's report.
 */
public record MemberFailoverInput(
    String runId,
    String vmId,
    String itemId,
    String jobId,
    String type,
    String recoveryPoint,
    String verdict,
    String notes) {

  /** A failover, with no verdict. */
  public MemberFailoverInput(
      String runId, String vmId, String itemId, String jobId, String type, String recoveryPoint) {
    this(runId, vmId, itemId, jobId, type, recoveryPoint, null, null);
  }
}
