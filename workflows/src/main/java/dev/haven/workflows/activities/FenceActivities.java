package dev.haven.workflows.activities;

import dev.haven.workflows.protection.OldSourceFence;
import io.temporal.activity.ActivityInterface;

/**
 * Starts the workflows that outlive the run that needs them. An activity rather than a child
 * workflow: a fence has no parent to report to once the committed run has ended, and so nothing
 * ties its life to that run's.
 */
@ActivityInterface
public interface FenceActivities {
  /** The id of the fence workflow started (or found running). */
  record FenceStarted(String workflowId, boolean alreadyRunning) {}

  /**
   * Starts {@code input}'s {@link OldSourceFence} as a workflow of its own, with its well-known id;
   * one already running for the item is left to do its job. Idempotent.
   */
  FenceStarted startOldSourceFence(OldSourceFence.Input input);
}
