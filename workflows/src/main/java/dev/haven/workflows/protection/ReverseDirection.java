package dev.haven.workflows.protection;

import dev.haven.workflows.model.ItemState;
import io.temporal.workflow.Workflow;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The input of an item's workflow run that replicates in the other direction (R25): the VM that
 * runs at the old target becomes the source, the old source VM the replica. Used by the workflow
 * itself after a planned failover is committed, and by the API when an operator asks for reverse
 * replication after a committed unplanned failover.
 */
public final class ReverseDirection {
  /** Version marker: a committed planned failover continues as new in the reverse direction. */
  static final String AFTER_PLANNED_COMMIT = "reverse-after-planned-commit";

  private ReverseDirection() {}

  /**
   * The reversed input of {@code current}: {@code runningVmId} at the old target is the new source
   * VM, {@code seedVmId} at the old source the new replica, and the network mapping is inverted.
   * {@code jobId} is the job whose steps the reverse replication records.
   */
  public static ProtectionInput of(
      ProtectionInput current,
      String runningVmId,
      String seedVmId,
      String jobId,
      int copyFrequencySeconds) {
    Map<String, String> inverse = new LinkedHashMap<>();
    if (current.networkMapping() != null) {
      current.networkMapping().forEach((from, to) -> inverse.putIfAbsent(to, from));
    }
    return new ProtectionInput(
        current.itemId(),
        runningVmId,
        jobId,
        current.target(),
        current.source(),
        copyFrequencySeconds,
        inverse,
        false,
        new ProtectionCarryOver(ItemState.RESYNCHRONIZING, seedVmId, 0, null),
        true);
  }

  /**
   * R23: once a planned failover is committed, the item is protected in the reverse direction: the
   * run continues as new with the reversed input, whose first job is the reverse replication,
   * recorded on {@code jobId}. Never returns.
   */
  static void continueAfterPlannedCommit(ProtectionState s, String jobId) {
    // Accepted Updates finish in this run; the next one starts with none pending.
    Workflow.await(Workflow::isEveryHandlerFinished);
    Workflow.continueAsNew(
        of(s.input, s.replicaVmId, s.input.vmId(), jobId, s.copyFrequencySeconds));
  }
}
