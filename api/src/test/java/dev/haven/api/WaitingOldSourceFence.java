package dev.haven.api;

import dev.haven.workflows.protection.OldSourceFence;
import io.temporal.workflow.Workflow;

/** An old-source fence whose host never comes back: it waits until it is cancelled. */
public class WaitingOldSourceFence implements OldSourceFence {
  @Override
  public Result fence(Input input) {
    Workflow.await(() -> false);
    return new Result(Workflow.currentTimeMillis(), false);
  }
}
