package dev.haven.workflows.protection;

import dev.haven.workflows.activities.FenceActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * Starts the {@link OldSourceFence} of an item whose unplanned failover was just committed, as a
 * step of the commit's job. The fence is a workflow of its own, started by an activity, so that it
 * outlives this run.
 */
final class FenceStarter {
  /** Behind this version, an unplanned commit starts the fence; histories from before do not. */
  static final String AFTER_UNPLANNED_COMMIT = "fence-old-source-after-unplanned-commit";

  static final String FENCE_OLD_SOURCE = "fence-old-source";

  private static final Logger log = Workflow.getLogger(FenceStarter.class);

  private FenceStarter() {}

  static void start(ProtectionState s, ProtectionActivities a, JobRecorder rec, String jobId) {
    if (Workflow.getVersion(AFTER_UNPLANNED_COMMIT, Workflow.DEFAULT_VERSION, 1) != 1) {
      return;
    }
    OldSourceFence.Input input =
        new OldSourceFence.Input(s.itemId(), s.input.source().agentAddress(), s.input.vmId());
    try {
      FenceActivities.FenceStarted started =
          rec.step(jobId, FENCE_OLD_SOURCE, () -> a.fence.startOldSourceFence(input));
      log.info("item {}: old source fence {}", s.itemId(), started);
    } catch (ActivityFailure e) {
      // The commit stands; the job's step says the fence did not start.
      log.warn("item {}: the old source's fence did not start: {}", s.itemId(), e.getMessage());
    }
  }
}
