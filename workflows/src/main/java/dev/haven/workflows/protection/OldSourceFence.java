package dev.haven.workflows.protection;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Keeps the old source of an item failed over without it from running again (split brain). After an
 * unplanned failover is committed, the VM at the target is the workload for good; the old source
 * was unreachable, and when its host comes back its agent starts again the VMs that were running
 * when it went down, so two copies of the VM would run, on the same networks, writing apart. This
 * workflow, started by the commit (through an activity, so that it is nobody's child) and outliving
 * it, waits for the old source's agent to answer (for up to {@link
 * OldSourceFenceImpl#GIVE_UP_AFTER}), then powers the old VM off and stops its source role there.
 * Reverse replication, which powers the old VM off itself and then needs it as its seed, cancels it
 * first. Its id is {@link #workflowId}, so the Temporal UI shows it beside the item.
 */
@WorkflowInterface
public interface OldSourceFence {
  /** What to fence: the item, the old source's agent and the VM that ran there. */
  record Input(String itemId, String agentAddress, String vmId) {}

  /** When the old VM was found off (or gone) and its source role stopped. */
  record Result(long fencedAtMillis, boolean vmWasGone) {}

  static String workflowId(String itemId) {
    return "fence/" + itemId;
  }

  /** Fences the old source; returns once it is done. */
  @WorkflowMethod
  Result fence(Input input);
}
