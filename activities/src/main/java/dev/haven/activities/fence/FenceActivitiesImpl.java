package dev.haven.activities.fence;

import dev.haven.workflows.activities.FenceActivities;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.OldSourceFence;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;

/** {@link FenceActivities} through the worker's own Temporal client. */
public final class FenceActivitiesImpl implements FenceActivities {
  private final WorkflowClient client;

  public FenceActivitiesImpl(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public FenceStarted startOldSourceFence(OldSourceFence.Input input) {
    String workflowId = OldSourceFence.workflowId(input.itemId());
    OldSourceFence fence =
        client.newWorkflowStub(
            OldSourceFence.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.HAVEN)
                .setWorkflowId(workflowId)
                .build());
    try {
      WorkflowClient.start(fence::fence, input);
      return new FenceStarted(workflowId, false);
    } catch (WorkflowExecutionAlreadyStarted e) {
      // A retry of this activity after its start went through, or a fence from an earlier
      // commit still waiting for the same host.
      return new FenceStarted(workflowId, true);
    }
  }
}
